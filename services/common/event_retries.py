"""Failed event messages: kept in the service's `failed_events` table, tried
again after EVENT_RETRY_DELAY seconds, doubling each time up to
EVENT_RETRY_MAX_DELAY, EVENT_MAX_ATTEMPTS tries in all, then parked until an
admin replays them (services.common.event_admin).

`EventRetrier` is the shared extension that runs the due retries of a
container's event handlers (services.common.events.EventHandler), which it
knows by what they offer: `database`, `handler_name` and `retry`.
"""
import json
import logging
import traceback
import uuid
from datetime import timedelta

import eventlet
from nameko.extensions import ProviderCollector, SharedExtension
from sqlalchemy import delete, select, update

from services.common import clock
from services.common import config as cfg
from services.common import contracts
from services.common.tables import failed_events, insert_ignore, skip_locked

log = logging.getLogger(__name__)

RETRY_DELAY = 5.0  # seconds before the second try; doubles each time
RETRY_MAX_DELAY = 600.0
MAX_ATTEMPTS = 6
POLL_INTERVAL = 1.0
RETRY_LEASE = 300  # seconds a claimed retry is left to its worker before it is due again


def settings(config):
    return {
        "delay": float(cfg.get(contracts.ENV_EVENT_RETRY_DELAY, config, RETRY_DELAY)),
        "max_delay": float(cfg.get(contracts.ENV_EVENT_RETRY_MAX_DELAY, config, RETRY_MAX_DELAY)),
        "max_attempts": int(cfg.get(contracts.ENV_EVENT_MAX_ATTEMPTS, config, MAX_ATTEMPTS)),
        "poll": float(cfg.get(contracts.ENV_EVENT_POLL_INTERVAL, config, POLL_INTERVAL)),
    }


def retry_delay(attempts, config=None):
    """Seconds to wait after the `attempts`-th failed try."""
    tries = settings(config)
    return min(tries["max_delay"], tries["delay"] * 2 ** max(0, attempts - 1))


def error_text(exc_info):
    """What `failed_events.last_error` keeps of an exception."""
    return "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()[:2000]


def dumps(body):
    """A message body as `failed_events.body` keeps it (JSON text)."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return json.dumps(body, ensure_ascii=False, default=repr)


# --- recording failures -----------------------------------------------------


def record_failure(engine, handler, event_id, body, error, config=None, parked=False):
    """A failed first try of a message: keep it for a retry (or park it).
    A message already kept (a duplicate delivery) is left as it is."""
    stamp = clock.utcnow()
    tries = settings(config)
    parked = parked or tries["max_attempts"] <= 1
    with engine.begin() as conn:
        insert_ignore(
            conn,
            failed_events,
            dict(
                id=str(uuid.uuid4()),
                handler=handler,
                event_id=event_id,
                body=dumps(body),
                attempts=1,
                last_error=error,
                next_attempt_at=None if parked else stamp + timedelta(seconds=retry_delay(1, config)),
                parked_at=stamp if parked else None,
                created_at=stamp,
                updated_at=stamp,
            ),
        )


def record_retry_failure(engine, failure_id, error, config=None):
    """A retry failed: schedule the next one, or park the message."""
    stamp = clock.utcnow()
    with engine.begin() as conn:
        attempts = conn.execute(
            select(failed_events.c.attempts).where(failed_events.c.id == failure_id)
        ).scalar()
        if attempts is None:
            return
        attempts += 1
        values = dict(attempts=attempts, last_error=error, updated_at=stamp)
        if attempts >= settings(config)["max_attempts"]:
            values.update(parked_at=stamp, next_attempt_at=None)
        else:
            values.update(next_attempt_at=stamp + timedelta(seconds=retry_delay(attempts, config)))
        conn.execute(update(failed_events).where(failed_events.c.id == failure_id).values(**values))


def forget_failure(engine, failure_id):
    with engine.begin() as conn:
        conn.execute(delete(failed_events).where(failed_events.c.id == failure_id))


# --- running the due retries ------------------------------------------------


class EventRetrier(SharedExtension, ProviderCollector):
    """One thread per container that runs the due retries of its handlers."""

    def __init__(self):
        super().__init__()
        self._stopping = eventlet.Event()
        self._thread = None

    def start(self):
        if self._thread is None:
            self._thread = self.container.spawn_managed_thread(self.run, identifier="event retries")

    def stop(self):
        if not self._stopping.ready():
            self._stopping.send(True)
        if self._thread is not None:
            self._thread.wait()
        super().stop()

    def kill(self):
        if not self._stopping.ready():
            self._stopping.send(True)
        if self._thread is not None:
            self._thread.kill()

    def run(self):
        poll = settings(self.container.config)["poll"]
        while not self._stopping.ready():
            try:
                self.sweep()
            except Exception as exc:
                log.warning("sweeping due event retries failed: %s", exc)
            self._stopping.wait(poll)

    def sweep(self):
        by_engine = {}
        for provider in list(self._providers):
            by_engine.setdefault(provider.database.engine, {})[provider.handler_name] = provider
        for engine, handlers in by_engine.items():
            stamp = clock.utcnow()
            with engine.begin() as conn:
                rows = conn.execute(
                    skip_locked(
                        select(failed_events.c.id, failed_events.c.handler, failed_events.c.body)
                        .where(failed_events.c.parked_at.is_(None))
                        .where(failed_events.c.next_attempt_at <= stamp)
                        .where(failed_events.c.handler.in_(list(handlers)))
                        .order_by(failed_events.c.next_attempt_at)
                        .limit(self.container.max_workers),
                        engine,
                    )
                ).all()
                for row in rows:
                    conn.execute(
                        update(failed_events)
                        .where(failed_events.c.id == row.id)
                        .values(next_attempt_at=stamp + timedelta(seconds=RETRY_LEASE))
                    )
            for row in rows:
                if self._stopping.ready():
                    return
                provider = handlers.get(row.handler)
                if provider is not None and provider in self._providers:
                    provider.retry(row.id, row.body)
