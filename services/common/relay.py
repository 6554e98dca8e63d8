"""The outbox relay: publishes the events whose publish right after their
commit did not happen (services.common.outbox).

`OutboxRelay` is the nameko extension that runs a `Relay` in a managed
thread of the service's container from start to stop; the Database provider
(services.common.db) declares one and lends it its engine.
"""
import logging
from datetime import timedelta

import eventlet
from nameko.extensions import Extension
from sqlalchemy import select

from services.common import clock
from services.common import config as cfg
from services.common import contracts
from services.common.outbox import COLUMNS, publish_rows, publisher
from services.common.tables import outbox_events, skip_locked

log = logging.getLogger(__name__)

RELAY_INTERVAL = 1.0  # seconds between sweeps
RELAY_GRACE = 2.0  # a fresh row is left to the publish right after its commit
RELAY_MAX_BACKOFF = 30.0
RELAY_BATCH = 100


class Relay:
    """Publishes the rows nobody published: those still unpublished a grace
    period after their commit. On PostgreSQL each sweep claims its rows with
    FOR UPDATE SKIP LOCKED, so the relays of several replicas share the work
    instead of publishing twice. After a broker error it waits, twice as long
    each time, up to a cap."""

    def __init__(self, engine, config=None):
        self.engine = engine
        self.config = config or {}
        self.interval = float(cfg.get(contracts.ENV_OUTBOX_RELAY_INTERVAL, config, RELAY_INTERVAL))
        self.grace = float(cfg.get(contracts.ENV_OUTBOX_RELAY_GRACE, config, RELAY_GRACE))
        self.max_backoff = float(
            cfg.get(contracts.ENV_OUTBOX_RELAY_MAX_BACKOFF, config, RELAY_MAX_BACKOFF)
        )
        self._stopping = eventlet.Event()
        self._pub = publisher(config)

    def sweep(self):
        """One pass: returns (rows published, the broker error if any)."""
        cutoff = clock.utcnow() - timedelta(seconds=self.grace)
        with self.engine.begin() as conn:
            rows = conn.execute(
                skip_locked(
                    select(*COLUMNS)
                    .where(outbox_events.c.published_at.is_(None))
                    .where(outbox_events.c.created_at <= cutoff)
                    .order_by(outbox_events.c.created_at)
                    .limit(RELAY_BATCH),
                    self.engine,
                )
            ).all()
            if not rows:
                return 0, None
            error = publish_rows(conn, rows, self._pub)
        published = len(rows) if error is None else None
        return published, error

    def run(self):
        failures = 0
        while not self._stopping.ready():
            wait = self.interval
            try:
                published, error = self.sweep()
            except Exception as exc:  # the database, most likely: try again later
                log.warning("outbox relay sweep failed: %s", exc)
                published, error = None, exc
            if error is not None:
                failures += 1
                wait = min(self.max_backoff, self.interval * 2**failures)
            else:
                failures = 0
                if published == RELAY_BATCH:
                    wait = 0  # more are waiting
            self._wait(wait)

    def _wait(self, seconds):
        if seconds > 0:
            self._stopping.wait(seconds)
        else:
            eventlet.sleep(0)

    def stop(self):
        if not self._stopping.ready():
            self._stopping.send(True)


class OutboxRelay(Extension):
    """Runs the service's `Relay` in a managed thread while the container
    runs, on the `engine` that the provider declaring it sets up."""

    def __init__(self):
        self.engine = None
        self.relay = None
        self.thread = None

    def start(self):
        self.relay = Relay(self.engine, self.container.config)
        self.thread = self.container.spawn_managed_thread(
            self.relay.run, identifier=f"outbox relay of {self.container.service_name}"
        )

    def stop(self):
        """Ends the relay after its current sweep; idempotent."""
        if self.relay is not None:
            self.relay.stop()
            self.thread.wait()
            self.relay = None

    def kill(self):
        if self.relay is not None:
            self.relay.stop()
            self.thread.kill()
            self.relay = None
