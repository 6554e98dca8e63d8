"""SMS codes are kept in notify only until sent (docs/sms-codes.md): a code
message done with (sent, failed, refused) keeps no code in its parameters
or text; one still unsent when the code expires is given up and masked;
parked requests of expired codes are masked and refused if replayed."""
import datetime as dt
import json
import uuid

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from services.common import contracts as c
from services.common.tables import failed_events
from services.common import clock
from services.notify import code_purge
from services.notify.models import FAILED, REFUSED, SENT
from services.notify.templates import MASK
from tests.support.sms_gateway import ERROR
from tests.notify.fixtures import accept, engine, gateway, messages, provider, request, sweep  # noqa: F401


def stored(engine, data):
    return messages(engine)[data["dedupe_key"]]


def test_a_sent_code_is_not_kept(engine, provider, gateway):
    data = request(params={"code": "135790", "minutes": 10})
    accept(engine, data)
    assert sweep(engine, provider) == 1
    message = stored(engine, data)
    assert message.state == SENT
    assert "135790" not in json.dumps(message.params) and "135790" not in (message.text or "")
    assert message.params["code"] == MASK and message.text.startswith("您的验证码为******")
    assert gateway.delivered_ids() == [data["dedupe_key"]]  # what was delivered carried the code


def test_other_messages_keep_their_text(engine, provider, gateway):
    data = request(template=c.SMS_DECLARATION_RETURNED, params={"reason": "附件不清晰"})
    accept(engine, data)
    sweep(engine, provider)
    assert "附件不清晰" in stored(engine, data).text


def test_a_refused_code_is_not_kept(engine):
    data = request(phone="12345", params={"code": "135790", "minutes": 10})
    message = accept(engine, data)
    assert message.state == REFUSED and "135790" not in json.dumps(stored(engine, data).params)


def test_a_code_unsent_when_it_expires_is_given_up_and_masked(engine, provider, gateway):
    data = request(params={"code": "135790", "minutes": 10})
    accept(engine, data, at=clock.utcnow() - dt.timedelta(minutes=11))
    gateway.mode = ERROR
    with Session(engine) as session, session.begin():
        assert code_purge.purge_codes(session) == 1
    message = stored(engine, data)
    assert (message.state, message.last_error) == (FAILED, code_purge.CODE_EXPIRED)
    assert "135790" not in json.dumps(message.params) + (message.text or "")


def test_parked_code_requests_are_masked_and_refused_if_replayed(engine):
    envelope = {"event_id": str(uuid.uuid4()), "data": request(params={"code": "135790", "minutes": 10})}
    long_ago = clock.utcnow() - dt.timedelta(minutes=30)
    with engine.begin() as conn:
        conn.execute(insert(failed_events).values(
            id=str(uuid.uuid4()), handler=f"{c.NOTIFY}.{c.ACCOUNTS}.{c.SMS_REQUESTED}", event_id=envelope["event_id"],
            body=json.dumps(envelope), attempts=8, parked_at=long_ago, created_at=long_ago, updated_at=long_ago,
        ))
    with Session(engine) as session, session.begin():
        assert code_purge.purge_codes(session) == 1
    with engine.connect() as conn:
        body = conn.execute(select(failed_events.c.body)).scalar()
    assert "135790" not in body
    replayed = json.loads(body)["data"]
    assert accept(engine, replayed).state == REFUSED
    assert stored(engine, replayed).last_error == code_purge.CODE_EXPIRED
