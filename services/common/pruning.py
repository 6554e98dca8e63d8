"""Pruning of the tables every service keeps (services.common.tables): the
housekeeping every service process runs.

Without it they grow for ever: every event leaves an outbox row in its
producer and a `processed_events` row in each consumer, and every call with an
idempotency key leaves its stored result. `Housekeeper` deletes

- outbox rows published more than OUTBOX_KEEP_DAYS ago (unpublished rows are
  the relay's and are never deleted);
- `processed_events` rows older than PROCESSED_EVENTS_KEEP_DAYS. This is how
  long a handler remembers an event: a redelivery or replay within it is
  acked without running the handler again, so it must stay longer than any
  redelivery or replay window. A row whose event also has a `failed_events`
  row (a retry or a parked message waiting for `replay_parked`) is kept
  whatever its age, and `failed_events` itself is never pruned;
- idempotency keys older than IDEMPOTENCY_KEEP_DAYS: a repeat with the same
  key after that acts again;
- 操作日志 rows (operation_log) older than LOG_KEEP_DAYS, which may not be
  less than 180 days: offices must keep such logs six months at least
  (网络安全法 art. 21); the accounts service prunes its 登录日志 by the same
  setting.

The `Housekeeping` extension, which the Database provider declares, runs a
`Housekeeper` in a managed thread of every service process: a first pass a
random part of HOUSEKEEPING_INTERVAL after start (replicas started together
spread out), then one every interval. It deletes in batches
of BATCH rows, one short transaction each; on PostgreSQL every batch claims
its rows with FOR UPDATE SKIP LOCKED, so replicas running it at the same time
share the work and never wait on each other or on live transactions.
"""
import logging
import random
from datetime import timedelta

import eventlet
from nameko.extensions import Extension
from sqlalchemy import and_, delete, exists, select, tuple_

from services.common import clock
from services.common import config as cfg
from services.common import contracts
from services.common import personal_data
from services.common.tables import (
    failed_events,
    idempotency_keys,
    operation_log,
    outbox_events,
    processed_events,
    skip_locked,
)

log = logging.getLogger(__name__)

INTERVAL = 3600.0  # seconds between passes
OUTBOX_KEEP_DAYS = 7
PROCESSED_EVENTS_KEEP_DAYS = 30
IDEMPOTENCY_KEEP_DAYS = 7
LOG_KEEP_DAYS = 180
MIN_LOG_KEEP_DAYS = 180
BATCH = 1000  # rows deleted per transaction

# Retention of a service's own personal data (services.<service>.retention),
# run by the same passes: service -> [task(engine, config, stopping) -> {name: count}].
TASKS = {}


def register(service, task):
    """Have every housekeeping pass of `service` run `task` too."""
    TASKS.setdefault(service, []).append(task)


def settings(config=None):
    """The housekeeping settings; ValueError for a setting that makes no sense."""
    keep = {
        "interval": float(cfg.get(contracts.ENV_HOUSEKEEPING_INTERVAL, config, INTERVAL)),
        "outbox_days": float(cfg.get(contracts.ENV_OUTBOX_KEEP_DAYS, config, OUTBOX_KEEP_DAYS)),
        "processed_days": float(
            cfg.get(contracts.ENV_PROCESSED_EVENTS_KEEP_DAYS, config, PROCESSED_EVENTS_KEEP_DAYS)
        ),
        "idempotency_days": float(cfg.get(contracts.ENV_IDEMPOTENCY_KEEP_DAYS, config, IDEMPOTENCY_KEEP_DAYS)),
        "log_days": float(cfg.get(contracts.ENV_LOG_KEEP_DAYS, config, LOG_KEEP_DAYS)),
    }
    if not keep["log_days"] >= MIN_LOG_KEEP_DAYS:
        raise ValueError(
            f"{contracts.ENV_LOG_KEEP_DAYS} must be at least {MIN_LOG_KEEP_DAYS} days (logs are kept six months "
            f"at least), not {keep['log_days']!r}"
        )
    for name, key in (
        (contracts.ENV_OUTBOX_KEEP_DAYS, "outbox_days"),
        (contracts.ENV_PROCESSED_EVENTS_KEEP_DAYS, "processed_days"),
        (contracts.ENV_IDEMPOTENCY_KEEP_DAYS, "idempotency_days"),
    ):
        if not keep[key] > 0:
            raise ValueError(f"{name} must be a positive number of days, not {keep[key]!r}")
    personal_data.check(config)  # a retention that makes no sense fails the start too
    if keep["processed_days"] < 1:
        # Retries of a failed handler run for minutes; a broker may hold an
        # unacked message for as long as a consumer is down.
        raise ValueError(
            f"{contracts.ENV_PROCESSED_EVENTS_KEEP_DAYS} must be at least 1 day (it must outlast any "
            f"redelivery of an event), not {keep['processed_days']!r}"
        )
    return keep


def _delete_batches(engine, table, keys, condition, batch, stopping=None):
    """Delete the rows of `table` matching `condition`, `batch` at a time, each
    batch in a transaction of its own; returns how many went."""
    key = tuple_(*keys) if len(keys) > 1 else keys[0]
    total = 0
    while True:
        chosen = skip_locked(select(*keys).where(condition).limit(batch), engine)
        with engine.begin() as conn:
            deleted = conn.execute(delete(table).where(key.in_(chosen))).rowcount
        total += deleted
        if deleted < batch or (stopping is not None and stopping.ready()):
            return total
        eventlet.sleep(0)  # let the workers of the process run between batches


def prune(engine, config=None, batch=BATCH, stopping=None):
    """One housekeeping pass over `engine`'s common tables; returns
    {table name: rows deleted}."""
    keep = settings(config)
    stamp = clock.utcnow()
    done = {}
    done["outbox_events"] = _delete_batches(
        engine,
        outbox_events,
        [outbox_events.c.id],
        and_(
            outbox_events.c.published_at.is_not(None),
            outbox_events.c.published_at < stamp - timedelta(days=keep["outbox_days"]),
        ),
        batch,
        stopping,
    )
    done["processed_events"] = _delete_batches(
        engine,
        processed_events,
        [processed_events.c.handler, processed_events.c.event_id],
        and_(
            processed_events.c.processed_at < stamp - timedelta(days=keep["processed_days"]),
            ~exists().where(
                failed_events.c.handler == processed_events.c.handler,
                failed_events.c.event_id == processed_events.c.event_id,
            ),
        ),
        batch,
        stopping,
    )
    done["idempotency_keys"] = _delete_batches(
        engine,
        idempotency_keys,
        [idempotency_keys.c.principal, idempotency_keys.c.method, idempotency_keys.c.key],
        idempotency_keys.c.created_at < stamp - timedelta(days=keep["idempotency_days"]),
        batch,
        stopping,
    )
    done["operation_log"] = _delete_batches(
        engine,
        operation_log,
        [operation_log.c.id],
        operation_log.c.at < stamp - timedelta(days=keep["log_days"]),
        batch,
        stopping,
    )
    return done


class Housekeeper:
    """Runs `prune` periodically until stopped (see the module's docstring)."""

    def __init__(self, engine, config=None, name=""):
        self.engine = engine
        self.config = config or {}
        self.name = name
        self.settings = settings(config)  # a bad setting fails the service's start
        self.interval = self.settings["interval"]
        self.passes = 0
        self._stopping = eventlet.Event()

    @property
    def enabled(self):
        return self.interval > 0

    def run(self):
        if not self.enabled:
            return
        wait = random.uniform(0, self.interval)
        while True:
            self._stopping.wait(wait)
            if self._stopping.ready():
                return
            wait = self.interval
            try:
                done = prune(self.engine, self.config, stopping=self._stopping)
                for task in TASKS.get(self.name, ()):
                    done.update(task(self.engine, self.config, self._stopping))
            except Exception as exc:  # the database, most likely: the next pass retries
                log.warning("%s: housekeeping failed: %s", self.name, exc)
                continue
            self.passes += 1
            if any(done.values()):
                log.info("%s: housekeeping deleted %s", self.name, done)

    def stop(self):
        if not self._stopping.ready():
            self._stopping.send(True)


class Housekeeping(Extension):
    """Runs the service's `Housekeeper` in a managed thread while the
    container runs (none when HOUSEKEEPING_INTERVAL is 0), on the `engine`
    that the provider declaring it sets up; a setting that makes no sense
    fails the container's start."""

    def __init__(self, service_name):
        self.service_name = service_name
        self.engine = None
        self.housekeeper = None
        self.thread = None

    def setup(self):
        settings(self.container.config)

    def start(self):
        self.housekeeper = Housekeeper(self.engine, self.container.config, self.service_name)
        if self.housekeeper.enabled:
            self.thread = self.container.spawn_managed_thread(
                self.housekeeper.run, identifier=f"housekeeping of {self.service_name}"
            )

    def stop(self):
        """Ends the housekeeping after its current batch; idempotent."""
        if self.thread is not None:
            self.housekeeper.stop()
            self.thread.wait()
            self.thread = None

    def kill(self):
        if self.thread is not None:
            self.housekeeper.stop()
            self.thread.kill()
            self.thread = None
