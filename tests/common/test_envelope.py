"""The event envelope of the contracts: who caused an event, the request it
belongs to (kept through the relay, retries and replays), and the sequence
and resulting state of a state-changing event — checked before any handler
runs, on the real RabbitMQ and PostgreSQL."""
import uuid

import pytest
from kombu import Connection
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import dummy, entrypoint_hook
from sqlalchemy import select

from services.common import contracts as c
from services.common import principal as principals
from services.common.db import Database
from services.common.entrypoints import Caller, rpc
from services.common.events import EventAdmin, event_handler
from services.common.outbox import MalformedEnvelope, check_envelope, envelope, publish_one, publisher
from services.common.tables import failed_events, outbox_events
from tests.common.fixtures import FAST, rows, wait_for
from tests.support.events import listen_events

FAIL_FIRST = set()  # phones whose handling fails once


class Producer:
    name = c.ACCOUNTS
    db = Database(c.ACCOUNTS)
    caller = Caller()

    @rpc
    def request_sms(self, phone):
        return self.db.dispatch(
            c.SMS_REQUESTED,
            {"phone": phone, "template": c.SMS_VERIFICATION_CODE, "params": {}, "dedupe_key": phone},
        )


class QuietProducer:
    """The producer without an RPC consumer (whose connection would go
    through the proxy that the test cuts)."""

    name = c.ACCOUNTS
    db = Database(c.ACCOUNTS)

    @dummy
    def request_sms(self, phone):
        return self.db.dispatch(c.SMS_REQUESTED, {"phone": phone, "dedupe_key": phone})


class Forwarder(EventAdmin):
    """Handles accounts' sms_requested by dispatching an event of its own:
    the second event must carry the first one's correlation id."""

    name = c.NOTIFY
    db = Database(c.NOTIFY)
    caller = Caller()

    @event_handler(c.ACCOUNTS, c.SMS_REQUESTED)
    def on_sms_requested(self, env):
        phone = env["data"]["phone"]
        if phone in FAIL_FIRST:
            FAIL_FIRST.discard(phone)
            raise RuntimeError("fails once")
        self.db.dispatch(c.SMS_REQUESTED, {"phone": phone, "forwarded": env["event_id"]})


@pytest.fixture
def fast_config(config):
    FAIL_FIRST.clear()
    return dict(config, **FAST)


def context(config, principal, correlation_id=None):
    data = {c.PRINCIPAL_CONTEXT_KEY: principals.sign(principal, config)}
    if correlation_id:
        data[c.CORRELATION_CONTEXT_KEY] = correlation_id
    return data


# --- the check ---------------------------------------------------------------------


def test_an_envelope_names_its_cause_and_request():
    body = envelope({"x": 1}, cause=principals.Principal(c.REVIEWER, "r-1"), correlation_id="req-1")
    assert body["caused_by"] == {"kind": c.REVIEWER, "id": "r-1"}
    assert body["correlation_id"] == "req-1"
    assert set(body) == set(c.ENVELOPE_FIELDS)


@pytest.mark.parametrize("change", [
    lambda b: b.pop("caused_by"),
    lambda b: b.pop("correlation_id"),
    lambda b: b.update(caused_by={"kind": "hacker", "id": "x"}),
    lambda b: b.update(caused_by={"kind": c.SYSTEM}),
    lambda b: b.update(correlation_id=""),
    lambda b: b.update(correlation_id="x" * 500),
    lambda b: b.update(sequence=-1, state=c.APPROVED),
    lambda b: b.update(sequence="3", state=c.APPROVED),
    lambda b: b.update(sequence=3, state="done"),
    lambda b: b.update(sequence=3),
])
def test_malformed_envelopes_are_refused(change):
    body = envelope({"x": 1})
    change(body)
    with pytest.raises(MalformedEnvelope):
        check_envelope(body)


def test_a_state_changing_event_must_carry_its_sequence_and_state():
    plain = envelope({"declaration_id": "d"})
    with pytest.raises(MalformedEnvelope):
        check_envelope(plain, c.DECLARATION_APPROVED)
    with pytest.raises(MalformedEnvelope):
        envelope({"declaration_id": "d"}, event_type=c.DECLARATION_APPROVED)
    body = envelope({"declaration_id": "d"}, event_type=c.DECLARATION_APPROVED, sequence=4, state=c.APPROVED)
    assert check_envelope(body, c.DECLARATION_APPROVED)["sequence"] == 4
    # every event the contracts call state-changing is one the contracts name
    assert c.SEQUENCED_EVENTS <= {event for _source, event in c.EVENTS}


def test_a_decision_or_a_submission_is_caused_only_by_who_may_make_it():
    enterprise = principals.Principal(kind=c.ENTERPRISE, id="ent-1", region_code="320102")
    county = principals.Principal(kind=c.REVIEWER, id="rev-1", region_code="320102", level=c.COUNTY)
    decided = dict(event_type=c.DECLARATION_APPROVED, sequence=4, state=c.APPROVED)
    assert envelope({"declaration_id": "d"}, cause=county, **decided)["caused_by"]["kind"] == c.REVIEWER
    with pytest.raises(MalformedEnvelope, match="cannot be caused by a enterprise"):
        envelope({"declaration_id": "d"}, cause=enterprise, **decided)
    submitted = dict(event_type=c.DECLARATION_SUBMITTED, sequence=2, state=c.PENDING_COUNTY)
    assert envelope({"declaration_id": "d"}, cause=enterprise, **submitted)
    with pytest.raises(MalformedEnvelope):
        envelope({"declaration_id": "d"}, cause=county, **submitted)
    # a service acting on its own (a manage command, a replay) may cause either
    assert envelope({"declaration_id": "d"}, **decided)["caused_by"]["kind"] == c.SYSTEM


# --- end to end ------------------------------------------------------------------


def test_an_event_names_the_caller_and_keeps_the_request_id_through_a_handler(
    container_factory, fast_config
):
    container_factory(Producer, fast_config).start()
    container_factory(Forwarder, fast_config).start()
    enterprise = principals.Principal(c.ENTERPRISE, "e-42")
    amqp = fast_config["AMQP_URI"]
    with listen_events(amqp, c.ACCOUNTS, c.SMS_REQUESTED) as first, \
            listen_events(amqp, c.NOTIFY, c.SMS_REQUESTED) as second:
        with ServiceRpcProxy(c.ACCOUNTS, fast_config, context_data=context(fast_config, enterprise, "req-7")) as p:
            p.request_sms("13800000021")
        [asked] = first.wait(1)
        [forwarded] = second.wait(1)
    assert asked["caused_by"] == {"kind": c.ENTERPRISE, "id": "e-42"}
    assert asked["correlation_id"] == "req-7"
    # the handler acts as its service, for the same request
    assert forwarded["caused_by"] == {"kind": c.SYSTEM, "id": c.NOTIFY}
    assert forwarded["correlation_id"] == "req-7"
    assert forwarded["data"]["forwarded"] == asked["event_id"]


def test_without_a_given_request_id_the_first_call_of_the_chain_names_it(container_factory, fast_config):
    container_factory(Producer, fast_config).start()
    with listen_events(fast_config["AMQP_URI"], c.ACCOUNTS, c.SMS_REQUESTED) as events:
        with ServiceRpcProxy(c.ACCOUNTS, fast_config,
                             context_data=context(fast_config, principals.Principal(c.ADMIN, "a"))) as p:
            p.request_sms("13800000022")
            p.request_sms("13800000023")
        one, two = events.wait(2)
    assert one["correlation_id"] and two["correlation_id"] and one["correlation_id"] != two["correlation_id"]


@pytest.fixture
def broker_proxy(fast_config):
    """A proxy to the broker, closed only after the containers stopped (a
    container whose connection goes nowhere never stops)."""
    from tests.support.tcp_proxy import TcpProxy

    broker = Connection(fast_config["AMQP_URI"])
    with TcpProxy(broker.hostname, broker.port or 5672) as proxy:
        yield proxy


def test_the_relay_and_a_retry_keep_the_request_id(broker_proxy, container_factory, fast_config, db_engine):
    proxy = broker_proxy
    container_factory(Forwarder, fast_config).start()
    FAIL_FIRST.add("13800000024")
    with listen_events(fast_config["AMQP_URI"], c.NOTIFY, c.SMS_REQUESTED) as forwarded:
        producer_config = dict(fast_config, AMQP_URI=proxy.rewrite(fast_config["AMQP_URI"]))
        producer = container_factory(QuietProducer, producer_config)
        producer.start()
        ctx = {c.CORRELATION_CONTEXT_KEY: "req-relay"}
        with entrypoint_hook(producer, "request_sms", context_data=ctx) as request_sms:
            request_sms("13800000025")  # the producer's connection goes through the proxy now
            forwarded.wait(1)
            proxy.cut()
            event_id = request_sms("13800000024")
        wait_for(
            lambda: [r for r in rows(db_engine(c.ACCOUNTS), outbox_events)
                     if r["id"] == event_id and r["attempts"] >= 1],
            what="a failed publish",
        )
        proxy.restore()
        # published by the relay, failed once in the handler, retried
        got = forwarded.wait(2, timeout=30)
    [late] = [e for e in got if e["data"]["phone"] == "13800000024"]
    assert late["data"]["forwarded"] == event_id
    assert late["correlation_id"] == "req-relay"


def test_a_replayed_parked_event_keeps_the_request_id(container_factory, fast_config, db_engine):
    config = dict(fast_config, **{c.ENV_EVENT_MAX_ATTEMPTS: 1})  # the first failure parks it
    container_factory(Forwarder, config).start()
    FAIL_FIRST.add("13800000026")
    body = envelope({"phone": "13800000026", "template": "t", "params": {}, "dedupe_key": "p"},
                    correlation_id="req-parked")
    with listen_events(config["AMQP_URI"], c.NOTIFY, c.SMS_REQUESTED) as forwarded:
        publish_one(publisher(config), c.ACCOUNTS, c.SMS_REQUESTED, body)
        [parked] = wait_for(lambda: [r for r in rows(db_engine(c.NOTIFY), failed_events) if r["parked_at"]],
                            what="parking")
        admin = context(config, principals.Principal(c.ADMIN, "a-1"))
        with ServiceRpcProxy(c.NOTIFY, config, context_data=admin) as p:
            p.replay_parked(parked["id"])
        [replayed] = forwarded.wait(1, timeout=20)
    assert replayed["correlation_id"] == "req-parked"


def test_a_state_changing_event_without_its_sequence_is_parked(container_factory, fast_config, db_engine):
    """Checked by the handling kit before any handler runs."""
    from services.common.outbox import event_exchange

    class Copy(EventAdmin):
        name = c.TENANTS
        db = Database(c.TENANTS)
        caller = Caller()

        @event_handler(c.DECLARATIONS, c.DECLARATION_CHANGED)
        def on_changed(self, env):  # pragma: no cover - must never run
            raise AssertionError("ran on a malformed envelope")

    container_factory(Copy, fast_config).start()
    body = envelope({"declaration_id": str(uuid.uuid4())})
    exchange = event_exchange(c.DECLARATIONS)
    with Connection(fast_config["AMQP_URI"]) as conn:
        conn.Producer().publish(body, exchange=exchange, routing_key=c.DECLARATION_CHANGED,
                                declare=[exchange], serializer="json")
    [parked] = wait_for(lambda: [r for r in rows(db_engine(c.TENANTS), failed_events) if r["parked_at"]],
                        what="parking")
    assert "sequence" in parked["last_error"]
    with db_engine(c.TENANTS).connect() as conn:
        assert conn.execute(select(failed_events.c.event_id)).scalar() is None
