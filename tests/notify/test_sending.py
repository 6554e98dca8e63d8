"""The message state machine on the real PostgreSQL, sending to our own SMS
gateway on loopback: dedupe, limits, retries with backoff, unknown outcomes,
restarts mid-send. Sweeps are called directly (no broker, no timer)."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from services.common import contracts as c
from services.common import clock
from services.notify import accepting, providers, sending
from services.notify.models import FAILED, QUEUED, REFUSED, SENDING, SENT, UNKNOWN, Message
from tests.support.identifiers import phone_number
from tests.support.sms_gateway import ERROR, HANG, OK
from tests.notify.fixtures import (  # noqa: F401
    SETTINGS, accept, engine, gateway, messages, provider, request, sweep,
)


def test_a_request_is_queued_then_sent_once(engine, provider, gateway):
    data = request()
    message = accept(engine, data)
    assert message.state == QUEUED and message.text.startswith("您的验证码为123456")
    assert sweep(engine, provider) == 1
    assert sweep(engine, provider) == 0
    [stored] = messages(engine).values()
    assert (stored.state, stored.attempts, stored.provider) == (SENT, 1, "http")
    assert stored.sent_at is not None and stored.next_attempt_at is None
    assert gateway.delivered_ids() == [data["dedupe_key"]]


def test_a_redelivered_request_adds_nothing(engine, provider, gateway):
    data = request()
    first = accept(engine, data)
    again = accept(engine, dict(data), event_id=str(uuid.uuid4()))
    assert again.id == first.id
    sweep(engine, provider)
    third = accept(engine, dict(data))
    assert third.id == first.id and third.state == SENT
    sweep(engine, provider)
    assert len(messages(engine)) == 1
    assert gateway.delivered_ids() == [data["dedupe_key"]] and gateway.seen(data["dedupe_key"]) == 1


def test_a_failing_provider_is_retried_with_the_same_id_then_recovers(engine, provider, gateway):
    data = request()
    accept(engine, data)
    gateway.mode = ERROR
    sweep(engine, provider)
    sweep(engine, provider)
    m = messages(engine)[data["dedupe_key"]]
    assert (m.state, m.attempts, m.maybe_sent) == (QUEUED, 2, False)
    assert "HTTP 500" in m.last_error
    gateway.mode = OK
    sweep(engine, provider)
    m = messages(engine)[data["dedupe_key"]]
    assert (m.state, m.attempts, m.last_error) == (SENT, 3, None)
    assert gateway.seen(data["dedupe_key"]) == 3 and gateway.delivered_ids() == [data["dedupe_key"]]


def test_after_the_last_retry_a_message_is_failed(engine, provider, gateway):
    data = request()
    accept(engine, data)
    gateway.mode = ERROR
    for _ in range(SETTINGS.max_attempts + 2):
        sweep(engine, provider)
    m = messages(engine)[data["dedupe_key"]]
    assert (m.state, m.attempts, m.next_attempt_at) == (FAILED, SETTINGS.max_attempts, None)
    assert gateway.seen(data["dedupe_key"]) == SETTINGS.max_attempts


def test_retries_back_off_exponentially_up_to_the_cap():
    s = sending.Settings(retry_delay=5, retry_max_delay=60)
    assert [s.backoff(n) for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]


def test_a_retry_is_not_due_before_its_backoff(engine, provider, gateway):
    slow = sending.Settings(retry_delay=600, retry_max_delay=600, timeout=SETTINGS.timeout)
    data = request()
    accept(engine, data, slow)
    gateway.mode = ERROR
    assert sweep(engine, provider, slow) == 1
    assert sweep(engine, provider, slow) == 0
    m = messages(engine)[data["dedupe_key"]]
    assert m.state == QUEUED and m.next_attempt_at - m.updated_at == timedelta(seconds=600)


def test_an_unknown_outcome_is_retried_with_the_same_id_and_not_sent_twice(engine, provider, gateway):
    data = request()
    accept(engine, data)
    gateway.mode = HANG
    sweep(engine, provider)
    m = messages(engine)[data["dedupe_key"]]
    assert (m.state, m.maybe_sent) == (UNKNOWN, True)
    assert gateway.delivered_ids() == [data["dedupe_key"]]  # it got through after all
    gateway.mode = OK
    sweep(engine, provider)
    assert messages(engine)[data["dedupe_key"]].state == SENT
    assert gateway.seen(data["dedupe_key"]) == 2
    assert gateway.delivered_ids() == [data["dedupe_key"]]


def test_a_message_that_may_have_gone_out_is_never_called_failed(engine, provider, gateway):
    data = request()
    accept(engine, data)
    gateway.mode = HANG
    sweep(engine, provider)
    gateway.mode = ERROR
    for _ in range(SETTINGS.max_attempts):
        sweep(engine, provider)
    m = messages(engine)[data["dedupe_key"]]
    assert (m.state, m.attempts, m.next_attempt_at) == (UNKNOWN, SETTINGS.max_attempts, None)


def test_a_refusal_for_good_fails_at_once(engine, gateway):
    wrong = providers.HttpProvider(gateway.url, gateway.app_key, "wrong-secret", timeout=1)
    data = request()
    accept(engine, data)
    sweep(engine, wrong)
    m = messages(engine)[data["dedupe_key"]]
    assert (m.state, m.attempts) == (FAILED, 1) and "401" in m.last_error
    assert gateway.delivered == []


def test_a_send_cut_by_a_restart_is_taken_back_after_the_lease_and_sent_once(engine, provider, gateway):
    data = request()
    accept(engine, data)
    # A sender claimed it and sent it, then died before recording the answer.
    with Session(engine) as session, session.begin():
        [(message_id, attempts)] = sending.claim_due(session, SETTINGS)
    assert provider.send(data["dedupe_key"], data["phone"], "SMS_SME_0001", {}, "x").outcome == providers.SENT
    assert sweep(engine, provider) == 0  # still within the lease: left alone
    assert messages(engine)[data["dedupe_key"]].state == SENDING
    with engine.begin() as conn:
        conn.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(sending_since=Message.sending_since - timedelta(seconds=SETTINGS.sending_lease + 1))
        )
    assert sweep(engine, provider) == 1
    m = messages(engine)[data["dedupe_key"]]
    assert (m.state, m.attempts, m.maybe_sent) == (SENT, attempts + 1, True)
    assert gateway.seen(data["dedupe_key"]) == 2 and gateway.delivered_ids() == [data["dedupe_key"]]


def test_two_senders_never_claim_the_same_message(engine):
    accept(engine, request())
    with Session(engine) as a, Session(engine) as b:
        with a.begin():
            first = sending.claim_due(a, SETTINGS)
        with b.begin():
            second = sending.claim_due(b, SETTINGS)
    assert len(first) == 1 and second == []


def test_per_phone_limit_per_minute_whoever_asks(engine):
    limits = sending.Settings(per_phone_per_minute=2, per_phone_per_day=10)
    phone = phone_number()
    states = [
        accept(engine, request(phone), limits, source=src).state
        for src in (c.ACCOUNTS, c.DECLARATIONS, c.DECLARATIONS)
    ]
    assert states == [QUEUED, QUEUED, REFUSED]
    assert accept(engine, request(phone_number()), limits).state == QUEUED  # another phone
    refused = [m for m in messages(engine).values() if m.state == REFUSED]
    assert [m.last_error for m in refused] == [accepting.LIMIT_PER_MINUTE_MESSAGE]
    assert refused[0].next_attempt_at is None


def test_per_phone_limit_per_day_counts_the_last_24_hours(engine):
    limits = sending.Settings(per_phone_per_minute=100, per_phone_per_day=3)
    phone = phone_number()
    now = clock.utcnow()
    # Each is counted against the 24 hours before it: at most 2 earlier ones.
    states = [
        accept(engine, request(phone), limits, at=now - timedelta(hours=hours_ago)).state
        for hours_ago in (30, 20, 10, 5)
    ]
    assert states == [QUEUED] * 4
    # Now, 20, 10 and 5 hours ago count (30 is out of the window): the fourth is one too many.
    m = accept(engine, request(phone), limits, at=now)
    assert (m.state, m.last_error) == (REFUSED, accepting.LIMIT_PER_DAY_MESSAGE)
    assert accept(engine, request(phone), limits, at=now + timedelta(hours=4, minutes=1)).state == QUEUED


def test_refused_messages_do_not_count_against_the_limit(engine):
    limits = sending.Settings(per_phone_per_minute=1, per_phone_per_day=10)
    phone = phone_number()
    assert accept(engine, request(phone, template="nope"), limits).state == REFUSED
    assert accept(engine, request(phone), limits).state == QUEUED


@pytest.mark.parametrize(
    "data, error",
    [
        (request(phone="12345"), "手机号码"),
        (request(template="no_such_template"), "未知的短信模板"),
        (request(template=c.SMS_DECLARATION_RETURNED, params={"why": "x"}), "缺少短信参数：reason"),
    ],
)
def test_bad_requests_are_recorded_as_refused_and_never_sent(engine, provider, gateway, data, error):
    m = accept(engine, data)
    assert m.state == REFUSED and error in m.last_error
    assert sweep(engine, provider) == 0
    assert gateway.requests == []


def test_a_request_without_a_dedupe_key_is_keyed_by_its_event(engine):
    data = request()
    del data["dedupe_key"]
    event_id = str(uuid.uuid4())
    first = accept(engine, data, event_id=event_id)
    assert first.dedupe_key == f"{c.ACCOUNTS}:{event_id}"
    assert accept(engine, data, event_id=event_id).id == first.id


def test_concurrent_requests_to_one_phone_are_counted_one_after_the_other(engine):
    import eventlet

    limits = sending.Settings(per_phone_per_minute=1, per_phone_per_day=10)
    phone = phone_number()
    with Session(engine, expire_on_commit=False) as a:
        a.begin()
        first = accepting.accept(a, c.ACCOUNTS, str(uuid.uuid4()), request(phone), limits)
        # The second request waits on the phone's lock while the first is open...
        second = eventlet.spawn(accept, engine, request(phone), limits, c.DECLARATIONS)
        eventlet.sleep(0.3)
        assert not second.dead
        a.commit()
    # ...and then counts the first one.
    assert first.state == QUEUED
    assert second.wait().state == REFUSED


def test_concurrent_sweeps_of_two_replicas_send_each_message_once(engine, gateway):
    import eventlet

    from services.common.db import make_engine

    keys = [accept(engine, request()).dedupe_key for _ in range(30)]
    other = make_engine(c.NOTIFY, {c.ENV_DATABASE_URL: str(engine.url.render_as_string(hide_password=False))})
    small = sending.Settings(batch=5, concurrency=3, timeout=2)
    try:
        replicas = [
            eventlet.spawn(sending.send_due, e, providers.HttpProvider(gateway.url, gateway.app_key, gateway.app_secret, timeout=2), small)
            for e in (engine, other)
        ]
        sends = [r.wait() for r in replicas]
    finally:
        other.dispose()
    assert sum(sends) == 30
    assert all(gateway.seen(k) == 1 for k in keys)
    assert sorted(gateway.delivered_ids()) == sorted(keys)
    assert {m.state for m in messages(engine).values()} == {SENT}


def test_each_send_is_counted_by_the_state_it_leaves_the_message_in(engine, provider, gateway):
    from prometheus_client import REGISTRY

    def count(state):
        return REGISTRY.get_sample_value("sme_sms_sends_total", {"state": state}) or 0

    before = {state: count(state) for state in (SENT, QUEUED, FAILED)}
    sent, failing = request(), request()
    accept(engine, sent)
    sweep(engine, provider)
    gateway.mode = ERROR
    accept(engine, failing)
    for _ in range(SETTINGS.max_attempts):
        sweep(engine, provider)
    assert count(SENT) - before[SENT] == 1
    assert count(QUEUED) - before[QUEUED] == SETTINGS.max_attempts - 1  # retried later
    assert count(FAILED) - before[FAILED] == 1
