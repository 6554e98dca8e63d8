"""The code of an SMS request stays in accounts' outbox only until the
request is published; afterwards housekeeping masks it (docs/sms-codes.md)."""
import json
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.accounts import housekeeping
from services.common import clock
from services.common import contracts as c
from services.common.tables import outbox_events
from tests.accounts.fixtures import client, config, service  # noqa: F401  (fixtures)
from tests.support.events import listen_events
from tests.support.identifiers import phone_number


def test_published_code_requests_keep_no_code(client, config, db_engine):
    phone = phone_number()
    with listen_events(config["AMQP_URI"], c.ACCOUNTS, c.SMS_REQUESTED) as events:
        client.call(c.ACCOUNTS, "request_code", "register", {"contact_phone": phone})
        [envelope] = events.wait(1, where=lambda e: e["data"]["phone"] == phone)
    code = envelope["data"]["params"]["code"]
    engine = db_engine(c.ACCOUNTS)
    deadline = time.monotonic() + 10
    while True:  # published_at is written just after the publish
        with engine.connect() as conn:
            published = conn.execute(select(outbox_events.c.published_at)).scalar()
        if published is not None or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    with Session(engine) as session:
        counts = housekeeping.purge(session, now=clock.utcnow())
        session.commit()
    assert counts["outbox_codes"] == 1
    with engine.connect() as conn:
        payload = conn.execute(select(outbox_events.c.payload)).scalar()
    assert code not in json.dumps(payload) and payload["data"]["params"]["code"] == housekeeping.MASK
