"""Events end to end on the real RabbitMQ and PostgreSQL: outbox, relay,
idempotent handlers, retries with backoff, parking and replay."""
import json
import time
import uuid

import eventlet
import pytest
from kombu import Connection, Exchange
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import dummy, entrypoint_hook
from sqlalchemy import select, text

from services.common import contracts as c
from services.common import principal as principals
from services.common.db import Database
from services.common.entrypoints import Caller
from services.common.errors import Forbidden, NotFound
from services.common.events import EventAdmin, event_handler
from services.common.outbox import envelope, event_exchange, publish_one, publisher
from services.common.tables import failed_events, outbox_events, processed_events
from tests.common.fixtures import FAST, rows, wait_for  # noqa: F401


FAILING = set()  # phones whose handling raises
SLOW = set()  # phones whose handling hangs (until the test kills the container)
CALLS = []  # (phone, monotonic time) of every run of the handler body


class Producer:
    name = c.ACCOUNTS
    db = Database(c.ACCOUNTS)

    @dummy
    def request_sms(self, phone, fail=False):
        event_id = self.db.dispatch(
            c.SMS_REQUESTED,
            {"phone": phone, "template": c.SMS_VERIFICATION_CODE, "params": {}, "dedupe_key": phone},
        )
        if fail:
            raise ValueError("the transaction rolls back")
        return event_id


class Consumer(EventAdmin):
    name = c.NOTIFY
    db = Database(c.NOTIFY)
    caller = Caller()

    @event_handler(c.ACCOUNTS, c.SMS_REQUESTED)
    def on_sms_requested(self, envelope):
        phone = envelope["data"]["phone"]
        CALLS.append((phone, time.monotonic()))
        self.db.session.execute(
            text("INSERT INTO handled (event_id, phone, principal) VALUES (:e, :p, :who)"),
            {"e": envelope["event_id"], "p": phone, "who": f"{self.caller.kind}:{self.caller.id}"},
        )
        if phone in FAILING:
            raise RuntimeError(f"cannot handle {phone} now")
        if phone in SLOW:
            eventlet.sleep(60)


@pytest.fixture
def fast_config(config):
    FAILING.clear()
    SLOW.clear()
    CALLS.clear()
    return dict(config, **FAST)


@pytest.fixture
def handled_table(db_engine):
    engine = db_engine(c.NOTIFY)
    with engine.begin() as conn:
        conn.execute(
            text("CREATE TABLE IF NOT EXISTS handled (event_id text, phone text, principal text)")
        )
    return engine


def handled(engine, phone=None):
    with engine.connect() as conn:
        query = "SELECT event_id, phone, principal FROM handled"
        if phone:
            return conn.execute(text(query + " WHERE phone = :p"), {"p": phone}).all()
        return conn.execute(text(query)).all()


def admin_context(config):
    token = principals.sign(principals.Principal(kind=c.ADMIN, id="a-1"), config)
    return {c.PRINCIPAL_CONTEXT_KEY: token}


def publish_raw(config, body, **kwargs):
    """Publish a message to accounts' event exchange as any bus client could."""
    exchange = event_exchange(c.ACCOUNTS)
    with Connection(config["AMQP_URI"]) as conn:
        producer = conn.Producer()
        producer.publish(
            body, exchange=exchange, routing_key=c.SMS_REQUESTED, declare=[exchange], **kwargs
        )


# --- outbox -------------------------------------------------------------------


def test_rollback_never_publishes(container_factory, fast_config, handled_table, db_engine):
    container_factory(Consumer, fast_config).start()
    producer = container_factory(Producer, fast_config)
    producer.start()
    with entrypoint_hook(producer, "request_sms") as request_sms:
        with pytest.raises(ValueError):
            request_sms("13800000001", fail=True)
        request_sms("13800000002")
    wait_for(lambda: handled(handled_table, "13800000002"), what="the committed event")
    # The relay had time to sweep: nothing of the rolled-back one exists.
    wait_for(lambda: all(r["published_at"] for r in rows(db_engine(c.ACCOUNTS), outbox_events)))
    outbox = rows(db_engine(c.ACCOUNTS), outbox_events)
    assert [r["payload"]["data"]["phone"] for r in outbox] == ["13800000002"]
    assert [r.phone for r in handled(handled_table)] == ["13800000002"]


def test_event_waits_for_a_consumer_that_never_started(
    container_factory, fast_config, handled_table, db_engine
):
    producer = container_factory(Producer, fast_config)
    producer.start()
    with entrypoint_hook(producer, "request_sms") as request_sms:
        event_id = request_sms("13800000003")
    wait_for(lambda: rows(db_engine(c.ACCOUNTS), outbox_events)[0]["published_at"], what="publish")
    assert handled(handled_table) == []
    container_factory(Consumer, fast_config).start()
    [row] = wait_for(lambda: handled(handled_table), what="the handler")
    assert (row.event_id, row.phone) == (event_id, "13800000003")
    # Handlers act as their service.
    assert row.principal == f"{c.SYSTEM}:{c.NOTIFY}"


def test_event_committed_while_the_broker_is_unreachable_is_handled_later(
    container_factory, fast_config, handled_table, db_engine
):
    from tests.support.tcp_proxy import TcpProxy

    container_factory(Consumer, fast_config).start()
    broker = Connection(fast_config["AMQP_URI"])
    with TcpProxy(broker.hostname, broker.port or 5672) as proxy:
        producer_config = dict(fast_config, AMQP_URI=proxy.rewrite(fast_config["AMQP_URI"]))
        producer = container_factory(Producer, producer_config)
        producer.start()
        with entrypoint_hook(producer, "request_sms") as request_sms:
            request_sms("13800000004")  # through the proxy: the connection is pooled now
            wait_for(lambda: handled(handled_table, "13800000004"), what="the first event")
            proxy.cut()
            event_id = request_sms("13800000005")
        # Neither the publish after commit nor the relay got it out.
        wait_for(
            lambda: [r for r in rows(db_engine(c.ACCOUNTS), outbox_events) if r["attempts"] >= 2],
            what="failed publishing attempts",
        )
        [row] = [r for r in rows(db_engine(c.ACCOUNTS), outbox_events) if r["id"] == event_id]
        assert row["published_at"] is None and row["last_error"]
        assert handled(handled_table, "13800000005") == []
        proxy.restore()
        [done] = wait_for(lambda: handled(handled_table, "13800000005"), what="the relay")
    assert done.event_id == event_id


def test_relays_of_replicas_share_rows_with_skip_locked(fast_config, db_engine):
    """A row claimed by one relay's transaction is skipped by another's."""
    from services.common.outbox import record
    from services.common.relay import Relay

    engine = db_engine(c.ACCOUNTS)
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        row = record(session, c.ACCOUNTS, c.SMS_REQUESTED, {"phone": "13800000006"})
        session.commit()
    relay = Relay(engine, dict(fast_config, **{c.ENV_OUTBOX_RELAY_GRACE: 0}))
    with engine.connect() as other:
        locked = other.execute(
            select(outbox_events.c.id).with_for_update().where(outbox_events.c.id == row.id)
        ).all()
        assert locked
        assert relay.sweep() == (0, None)  # the other replica holds it
        other.rollback()
    assert relay.sweep() == (1, None)
    assert rows(engine, outbox_events)[0]["published_at"] is not None


def test_the_relay_stops_with_its_container(container_factory, fast_config):
    container = container_factory(Producer, fast_config)
    container.start()
    [database] = [d for d in container.dependencies if isinstance(d, Database)]
    thread = database.relay.thread
    assert not thread.dead
    container.stop()
    assert thread.dead and database.relay.relay is None


# --- handlers -------------------------------------------------------------------


def test_a_redelivered_event_is_handled_once(container_factory, fast_config, handled_table, db_engine):
    # One worker: the copies are handled in order, the marker last.
    container_factory(Consumer, dict(fast_config, max_workers=1)).start()
    pub = publisher(fast_config)
    twice = envelope({"phone": "13800000007", "template": "t", "params": {}, "dedupe_key": "x"})
    marker = envelope({"phone": "13800000008", "template": "t", "params": {}, "dedupe_key": "y"})
    for body in (twice, twice, twice, marker):
        publish_one(pub, c.ACCOUNTS, c.SMS_REQUESTED, body)
    wait_for(lambda: handled(handled_table, "13800000008"), what="the marker")
    assert len(handled(handled_table, "13800000007")) == 1
    assert [p for p, _ in CALLS] == ["13800000007", "13800000008"]
    assert len(rows(db_engine(c.NOTIFY), processed_events)) == 2


def test_an_event_redelivered_after_its_consumer_died_is_handled_once(
    container_factory, fast_config, handled_table
):
    """The consumer dies in the middle of the handler (its transaction holds
    the event's processed_events row): RabbitMQ redelivers the message to the
    next consumer, which handles it (not blocked by the dead one's row)."""
    dying = container_factory(Consumer, fast_config)
    dying.start()
    SLOW.add("13800000011")
    body = envelope({"phone": "13800000011", "template": "t", "params": {}, "dedupe_key": "d"})
    publish_one(publisher(fast_config), c.ACCOUNTS, c.SMS_REQUESTED, body)
    wait_for(lambda: CALLS, what="the handler to start")
    dying.kill()
    SLOW.clear()
    container_factory(Consumer, fast_config).start()
    [row] = wait_for(lambda: handled(handled_table, "13800000011"), what="the redelivery")
    assert row.event_id == body["event_id"]
    assert len(CALLS) == 2


def test_concurrent_duplicates_act_once(db_engine):
    """Two transactions claim one event: the second waits for the first and
    then learns it is done."""
    from sqlalchemy.orm import Session

    from services.common.events import claim_event

    class Tx:
        def __init__(self, session):
            self.session = session

    engine = db_engine(c.NOTIFY)
    event_id = str(uuid.uuid4())
    first, second = Session(engine), Session(engine)
    try:
        assert claim_event(Tx(first), "h", event_id) is True
        waiting = eventlet.spawn(claim_event, Tx(second), "h", event_id)
        eventlet.sleep(0.3)
        assert not waiting.dead  # blocked on the first transaction's row
        first.commit()
        assert waiting.wait() is False
    finally:
        first.close()
        second.close()


def test_failing_handler_is_retried_with_backoff_then_parked_and_replayed(
    container_factory, fast_config, handled_table, db_engine
):
    container = container_factory(Consumer, fast_config)
    container.start()
    FAILING.add("13800000009")
    body = envelope({"phone": "13800000009", "template": "t", "params": {}, "dedupe_key": "z"})
    publish_one(publisher(fast_config), c.ACCOUNTS, c.SMS_REQUESTED, body)
    notify = db_engine(c.NOTIFY)
    [parked] = wait_for(
        lambda: [r for r in rows(notify, failed_events) if r["parked_at"]], what="parking"
    )
    assert parked["attempts"] == 3 and "cannot handle" in parked["last_error"]
    times = [t for p, t in CALLS if p == "13800000009"]
    assert len(times) == 3
    # The delay doubles: at least 0.2 s, then at least 0.4 s.
    assert times[1] - times[0] >= 0.2 and times[2] - times[1] >= 0.4
    assert handled(handled_table) == []  # every failed try rolled back

    with ServiceRpcProxy(c.NOTIFY, fast_config) as anonymous:
        with pytest.raises(Exception) as refused:
            anonymous.list_parked()
        assert "Unauthenticated" in type(refused.value).__name__
    enterprise = {
        c.PRINCIPAL_CONTEXT_KEY: principals.sign(principals.Principal(c.ENTERPRISE, "e-1"), fast_config)
    }
    with ServiceRpcProxy(c.NOTIFY, fast_config, context_data=enterprise) as notify_rpc:
        with pytest.raises(Forbidden):
            notify_rpc.list_parked()
    with ServiceRpcProxy(c.NOTIFY, fast_config, context_data=admin_context(fast_config)) as admin:
        [listed] = admin.list_parked()
        assert listed["id"] == parked["id"] and listed["event_id"] == body["event_id"]
        assert listed["body"] == body
        with pytest.raises(NotFound):
            admin.replay_parked(str(uuid.uuid4()))
        FAILING.clear()
        assert admin.replay_parked(parked["id"]) == {"id": parked["id"], "replayed": True}
        [row] = wait_for(lambda: handled(handled_table, "13800000009"), what="the replay")
        assert row.event_id == body["event_id"]
        wait_for(lambda: not rows(notify, failed_events), what="the failure to be forgotten")
        assert admin.list_parked() == []


def test_malformed_and_undecodable_messages_are_parked(
    container_factory, fast_config, handled_table, db_engine
):
    container_factory(Consumer, fast_config).start()
    publish_raw(fast_config, json.dumps({"phone": "no envelope"}), content_type="application/json",
                content_encoding="utf-8")
    publish_raw(fast_config, b"\x00not json", content_type="application/x-unknown",
                content_encoding="binary")
    parked = wait_for(
        lambda: len(rows(db_engine(c.NOTIFY), failed_events)) == 2 and rows(db_engine(c.NOTIFY), failed_events),
        what="parking",
    )
    assert all(r["parked_at"] is not None for r in parked)
    errors = sorted(r["last_error"].split(":")[0] for r in parked)
    assert errors == ["malformed envelope", "undecodable message"]
    # The consumer still runs.
    publish_one(publisher(fast_config), c.ACCOUNTS, c.SMS_REQUESTED,
                envelope({"phone": "13800000010", "template": "t", "params": {}, "dedupe_key": "m"}))
    wait_for(lambda: handled(handled_table, "13800000010"), what="a good event after bad ones")


def test_a_handler_outside_the_contracts_does_not_start(container_factory, fast_config):
    class Stray:
        name = c.TENANTS
        db = Database(c.TENANTS)

        @event_handler(c.ACCOUNTS, c.SMS_REQUESTED)
        def on_sms_requested(self, envelope):
            pass

    with pytest.raises(RuntimeError, match="does not name tenants"):
        container_factory(Stray, fast_config).start()


def test_exchange_of_an_event_without_consumers_is_declared(fast_config):
    with Connection(fast_config["AMQP_URI"]) as conn:
        Exchange(f"{c.TENANTS}.events", type="topic", durable=True)(conn.channel()).declare(passive=True)


def test_events_on_the_embedded_sqlite_default(container_factory, rabbit_config, tmp_path):
    """`make run` without DATABASE_URL keeps each service in an SQLite file:
    the outbox, the handler's once-only record and parking work there too."""
    from kombu import Connection as AmqpConnection

    from services.common import migrations, queues
    from services.common.db import make_engine

    FAILING.clear()
    CALLS.clear()
    config = dict(rabbit_config, serializer="json", **FAST)
    config[c.ENV_VAR_DIR] = str(tmp_path)
    for service in (c.ACCOUNTS, c.NOTIFY):
        migrations.upgrade(service, config)
    with AmqpConnection(config["AMQP_URI"]) as conn:
        queues.declare_all(conn)
    notify = make_engine(c.NOTIFY, config)
    try:
        with notify.begin() as conn:
            conn.execute(text("CREATE TABLE handled (event_id text, phone text, principal text)"))
        container_factory(Consumer, config).start()
        producer = container_factory(Producer, config)
        producer.start()
        FAILING.add("13800000013")
        with entrypoint_hook(producer, "request_sms") as request_sms:
            request_sms("13800000012")
            request_sms("13800000013")
        wait_for(lambda: handled(notify, "13800000012"), what="the event on SQLite")
        [parked] = wait_for(
            lambda: [r for r in rows(notify, failed_events) if r["parked_at"]], what="parking on SQLite"
        )
        assert parked["attempts"] == 3
    finally:
        notify.dispose()


class TwoHandlers(EventAdmin):
    name = c.NOTIFY
    db = Database(c.NOTIFY)

    @event_handler(c.ACCOUNTS, c.SMS_REQUESTED)
    def on_accounts_sms(self, envelope):
        pass

    @event_handler(c.DECLARATIONS, c.SMS_REQUESTED)
    def on_declarations_sms(self, envelope):
        pass


def test_a_service_stopped_before_its_event_consumer_was_ready_stops(container_factory, fast_config):
    """SIGTERM can come while a service is still starting (here the broker
    cannot be reached yet): every handler gives its queue up, and the
    service stops instead of hanging in its stop."""
    unreachable = dict(fast_config, AMQP_URI="pyamqp://guest:guest@127.0.0.1:1/")
    container = container_factory(TwoHandlers, unreachable)
    starting = eventlet.spawn(container.start)
    eventlet.sleep(1)
    assert not starting.dead  # still trying to reach the broker
    with eventlet.Timeout(20):
        container.stop()
    assert container._died.ready()
