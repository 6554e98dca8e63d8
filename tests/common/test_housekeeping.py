"""Housekeeping of the common tables on the real PostgreSQL: old bookkeeping
goes, what is still needed stays, and every service process runs it."""
import time
import uuid
from datetime import timedelta

import eventlet
import pytest
from nameko.testing.services import dummy
from sqlalchemy import select

from services.common import contracts as c
from services.common import clock, pruning
from services.common.db import Database
from services.common.entrypoints import Caller
from services.common.events import EventAdmin, event_handler
from services.common.outbox import envelope, publish_one, publisher
from services.common.tables import failed_events, idempotency_keys, outbox_events, processed_events

DAY = timedelta(days=1)
HANDLER = c.event_queue(c.ACCOUNTS, c.SMS_REQUESTED, c.NOTIFY)


def wait_for(predicate, timeout=30, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        eventlet.sleep(0.05)


def add_outbox(conn, created, published):
    event_id = str(uuid.uuid4())
    conn.execute(
        outbox_events.insert().values(
            id=event_id, source=c.ACCOUNTS, event_type=c.SMS_REQUESTED,
            payload=envelope({}, event_id=event_id), created_at=created,
            published_at=published, attempts=0,
        )
    )
    return event_id


def add_processed(conn, at, handler=HANDLER):
    event_id = str(uuid.uuid4())
    conn.execute(processed_events.insert().values(handler=handler, event_id=event_id, processed_at=at))
    return event_id


def add_failed(conn, event_id, at, parked):
    conn.execute(
        failed_events.insert().values(
            id=str(uuid.uuid4()), handler=HANDLER, event_id=event_id, body="{}", attempts=3,
            last_error="boom", next_attempt_at=None if parked else at + DAY,
            parked_at=at if parked else None, created_at=at, updated_at=at,
        )
    )


def add_key(conn, at):
    key = str(uuid.uuid4())
    conn.execute(
        idempotency_keys.insert().values(
            principal="enterprise:e-1", method="accounts.x", key=key, result={"ok": 1}, created_at=at
        )
    )
    return key


def ids(engine, column):
    with engine.connect() as conn:
        return set(conn.execute(select(column)).scalars())


@pytest.fixture
def seeded(db_engine):
    """Rows of every kind in accounts' schema: {name: id} plus the engine."""
    engine = db_engine(c.ACCOUNTS)
    t = clock.utcnow()
    with engine.begin() as conn:
        rows = dict(
            outbox_old=add_outbox(conn, t - 10 * DAY, t - 8 * DAY),
            outbox_recent=add_outbox(conn, t - 6 * DAY, t - 6 * DAY),
            outbox_unpublished=add_outbox(conn, t - 60 * DAY, None),
            processed_old=add_processed(conn, t - 31 * DAY),
            processed_recent=add_processed(conn, t - 29 * DAY),
            processed_parked=add_processed(conn, t - 90 * DAY),
            processed_retrying=add_processed(conn, t - 90 * DAY),
            key_old=add_key(conn, t - 8 * DAY),
            key_recent=add_key(conn, t - 6 * DAY),
        )
        # A message parked (or still being retried) long ago whose event a
        # duplicate delivery did handle: its processed row must outlive it.
        add_failed(conn, rows["processed_parked"], t - 90 * DAY, parked=True)
        add_failed(conn, rows["processed_retrying"], t - 90 * DAY, parked=False)
    return engine, rows


def check_pruned(engine, rows):
    assert ids(engine, outbox_events.c.id) == {
        rows["outbox_recent"], rows["outbox_unpublished"]
    }
    assert ids(engine, processed_events.c.event_id) == {
        rows["processed_recent"], rows["processed_parked"], rows["processed_retrying"]
    }
    assert ids(engine, idempotency_keys.c.key) == {rows["key_recent"]}
    assert len(ids(engine, failed_events.c.id)) == 2


def test_prune_deletes_only_what_is_past_its_window(seeded):
    engine, rows = seeded
    done = pruning.prune(engine, {})
    assert done == {"outbox_events": 1, "processed_events": 1, "idempotency_keys": 1, "operation_log": 0}
    check_pruned(engine, rows)
    assert pruning.prune(engine, {}) == {
        "outbox_events": 0, "processed_events": 0, "idempotency_keys": 0, "operation_log": 0
    }


def test_prune_works_through_a_backlog_in_batches(db_engine):
    engine = db_engine(c.ACCOUNTS)
    t = clock.utcnow()
    with engine.begin() as conn:
        old = {add_processed(conn, t - 40 * DAY) for _ in range(25)}
        kept = add_processed(conn, t)
    done = pruning.prune(engine, {}, batch=4)
    assert done["processed_events"] == len(old)
    assert ids(engine, processed_events.c.event_id) == {kept}


def test_windows_come_from_the_config(seeded):
    engine, rows = seeded
    config = {
        c.ENV_OUTBOX_KEEP_DAYS: "5",
        c.ENV_PROCESSED_EVENTS_KEEP_DAYS: "28",
        c.ENV_IDEMPOTENCY_KEEP_DAYS: "5",
    }
    assert pruning.prune(engine, config) == {
        "outbox_events": 2, "processed_events": 2, "idempotency_keys": 2, "operation_log": 0
    }
    assert ids(engine, outbox_events.c.id) == {rows["outbox_unpublished"]}


@pytest.mark.parametrize(
    "name, value",
    [
        (c.ENV_OUTBOX_KEEP_DAYS, "0"),
        (c.ENV_IDEMPOTENCY_KEEP_DAYS, "-1"),
        (c.ENV_PROCESSED_EVENTS_KEEP_DAYS, "0.5"),
        (c.ENV_LOG_KEEP_DAYS, "30"),
        (c.ENV_LOG_KEEP_DAYS, "179"),
    ],
)
def test_a_window_that_makes_no_sense_is_refused(name, value):
    with pytest.raises(ValueError, match=name):
        pruning.settings({name: value})


def test_the_operation_log_is_kept_until_its_retention_has_passed(db_engine):
    """操作日志 rows go only once older than LOG_KEEP_DAYS (180 by default)."""
    from services.common import operation_log
    from services.common.principal import Principal
    from sqlalchemy.orm import Session

    engine = db_engine(c.REVIEW)
    admin = Principal(kind=c.ADMIN, id="admin-1")
    t = clock.utcnow()
    with Session(engine) as session:
        for days in (10, 179, 181, 400):
            operation_log.record(session, admin, "batch.update", f"{days} 天前", now=t - days * DAY)
        session.commit()
    assert pruning.prune(engine, {})["operation_log"] == 2
    with Session(engine) as session:
        left = {r["target"] for r in operation_log.search(session, limit=10)["items"]}
    assert left == {"10 天前", "179 天前"}
    assert pruning.prune(engine, {c.ENV_LOG_KEEP_DAYS: "365"})["operation_log"] == 0
    assert pruning.prune(engine, {c.ENV_LOG_KEEP_DAYS: "180"})["operation_log"] == 0


# --- in running services ---------------------------------------------------------

HANDLED = []  # event ids the handler acted on


class Consumer(EventAdmin):
    name = c.NOTIFY
    db = Database(c.NOTIFY)
    caller = Caller()

    @event_handler(c.ACCOUNTS, c.SMS_REQUESTED)
    def on_sms_requested(self, envelope):
        HANDLED.append(envelope["event_id"])


class Idle:
    name = c.ACCOUNTS
    db = Database(c.ACCOUNTS)

    @dummy
    def nothing(self):
        return None


def publish(config, body):
    publish_one(publisher(config), c.ACCOUNTS, c.SMS_REQUESTED, body)


def test_an_event_redelivered_within_the_window_is_still_handled_once(
    container_factory, config, db_engine
):
    HANDLED.clear()
    engine = db_engine(c.NOTIFY)
    with engine.begin() as conn:
        stale = add_processed(conn, clock.utcnow() - 31 * DAY)
    container_factory(Consumer, dict(config, **{c.ENV_HOUSEKEEPING_INTERVAL: 0})).start()
    body = envelope({"phone": "13800000001", "template": c.SMS_VERIFICATION_CODE, "params": {}})
    publish(config, body)
    wait_for(lambda: body["event_id"] in ids(engine, processed_events.c.event_id), what="handling")

    assert pruning.prune(engine, config)["processed_events"] == 1
    assert ids(engine, processed_events.c.event_id) == {body["event_id"]}
    assert stale not in ids(engine, processed_events.c.event_id)

    publish(config, body)  # a redelivery, after the housekeeping
    marker = envelope({"phone": "13800000002", "template": c.SMS_VERIFICATION_CODE, "params": {}})
    publish(config, marker)  # handled after the redelivery (one consumer, in order)
    wait_for(lambda: marker["event_id"] in HANDLED, what="the marker event")
    assert HANDLED.count(body["event_id"]) == 1


def test_every_service_process_runs_the_housekeeping(container_factory, config, seeded):
    engine, rows = seeded
    container = container_factory(Idle, dict(config, **{c.ENV_HOUSEKEEPING_INTERVAL: "0.1"}))
    container.start()
    (db,) = [d for d in container.dependencies if isinstance(d, Database)]
    wait_for(lambda: db.housekeeping.housekeeper.passes >= 1, what="a housekeeping pass")
    check_pruned(engine, rows)


def test_housekeeping_can_be_turned_off(container_factory, config):
    container = container_factory(Idle, dict(config, **{c.ENV_HOUSEKEEPING_INTERVAL: "0"}))
    container.start()
    (db,) = [d for d in container.dependencies if isinstance(d, Database)]
    assert not db.housekeeping.housekeeper.enabled
    assert db.housekeeping.thread is None
