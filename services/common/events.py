"""Handling events reliably: `event_handler` and `EventAdmin`.

    class ReviewService(EventAdmin):
        name = c.REVIEW
        db = Database(c.REVIEW)
        caller = Caller()

        @event_handler(c.DECLARATIONS, c.DECLARATION_SUBMITTED)
        def on_declaration_submitted(self, envelope):
            ...  # envelope = {"event_id", "occurred_at", "data"}

What a handler can count on:

- Delivery. It consumes the durable queue
  `contracts.event_queue(source, event_type, <service>)`, which the setup step
  declares before anything publishes (the handler declares it too, with the
  same arguments), and producers publish from a transactional outbox with
  publisher confirms plus a relay (services.common.outbox). An event
  committed by its producer therefore reaches the handler, even if the
  consumer had never run or the broker was unreachable for a while.
- Once per event_id. The handler's work and a `processed_events` row are
  committed in one transaction before the message is acked; a redelivered
  or republished event finds the row and is acked without running the
  handler again. Concurrent duplicates wait on the row's key: one acts.
- Retries, then parking. When the handler raises (or its commit fails) its
  transaction is rolled back, the message is recorded in `failed_events`
  and acked; it is tried again after EVENT_RETRY_DELAY seconds, doubling
  each time up to EVENT_RETRY_MAX_DELAY, EVENT_MAX_ATTEMPTS tries in all.
  Then it is parked: kept, never dropped, listed by the `list_parked` RPC and
  tried once more by `replay_parked` (admins only, see `EventAdmin`).
  Replicas share due retries with FOR UPDATE SKIP LOCKED.
- The envelope is checked (services.common.outbox.check_envelope, with the
  sequence and state a state-changing event must carry) before the handler
  runs; a malformed or undecodable message is parked at once.
- Correlation. The worker's context carries the envelope's correlation_id,
  on the first try, on retries and on a replay alike, so the events the
  handler dispatches carry it on.
- Identity. A handler acts as its service: `self.caller` is the service's
  system principal, whatever headers the message carries.

Handlers must keep non-database side effects idempotent themselves (e.g.
notify's dedupe_key): a handler may run again after a failure that happened
after such an effect.
"""
import json
import logging
import traceback
import uuid
from datetime import timedelta
from functools import partial, wraps

import eventlet
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import Entrypoint, ProviderCollector, SharedExtension
from nameko.messaging import QueueConsumer
from sqlalchemy import delete, select, update

from services.common import config as cfg
from services.common import contracts as c
from services.common import operation_log, queues
from services.common.db import Database, Transaction, finish_transactions
from services.common.entrypoints import rpc
from services.common.errors import NotFound
from services.common.outbox import MalformedEnvelope, check_envelope, now
from services.common.tables import failed_events, insert_ignore, processed_events

log = logging.getLogger(__name__)

RETRY_DELAY = 5.0  # seconds before the second try; doubles each time
RETRY_MAX_DELAY = 600.0
MAX_ATTEMPTS = 6
POLL_INTERVAL = 1.0
RETRY_LEASE = 300  # seconds a claimed retry is left to its worker before it is due again
DB_ERROR_PAUSE = 5.0  # when a failure cannot even be recorded: wait, then requeue


def settings(config):
    return {
        "delay": float(cfg.get(c.ENV_EVENT_RETRY_DELAY, config, RETRY_DELAY)),
        "max_delay": float(cfg.get(c.ENV_EVENT_RETRY_MAX_DELAY, config, RETRY_MAX_DELAY)),
        "max_attempts": int(cfg.get(c.ENV_EVENT_MAX_ATTEMPTS, config, MAX_ATTEMPTS)),
        "poll": float(cfg.get(c.ENV_EVENT_POLL_INTERVAL, config, POLL_INTERVAL)),
    }


def retry_delay(attempts, config=None):
    """Seconds to wait after the `attempts`-th failed try."""
    s = settings(config)
    return min(s["max_delay"], s["delay"] * 2 ** max(0, attempts - 1))


def _error_text(exc_info):
    return "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()[:2000]


def _dumps(body):
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return json.dumps(body, ensure_ascii=False, default=repr)


def _claim(query, engine):
    if engine.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


# --- recording failures -----------------------------------------------------


def record_failure(engine, handler, event_id, body, error, config=None, parked=False):
    """A failed first try of a message: keep it for a retry (or park it).
    A message already kept (a duplicate delivery) is left as it is."""
    stamp = now()
    s = settings(config)
    parked = parked or s["max_attempts"] <= 1
    with engine.begin() as conn:
        insert_ignore(
            conn,
            failed_events,
            dict(
                id=str(uuid.uuid4()),
                handler=handler,
                event_id=event_id,
                body=_dumps(body),
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
    stamp = now()
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


# --- the entrypoint ---------------------------------------------------------


class EventQueueConsumer(QueueConsumer):
    """nameko's queue consumer (a connection of its own for event queues),
    except that a message it cannot decode is parked instead of killing the
    consumer thread (and with it the service)."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._undecodable, provider)
        return consumers

    def _undecodable(self, provider, message, exc):
        self.container.spawn_managed_thread(
            partial(provider.handle_undecodable, message, exc), identifier="park undecodable"
        )


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
            stamp = now()
            with engine.begin() as conn:
                rows = conn.execute(
                    _claim(
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


class EventHandler(Entrypoint):
    """Entrypoint behind `event_handler`."""

    acts_as_service = True  # Caller gives its workers the system principal

    queue_consumer = EventQueueConsumer()
    retrier = EventRetrier()

    def __init__(self, source, event_type, **kwargs):
        self.source = source
        self.event_type = event_type
        super().__init__(**kwargs)

    def setup(self):
        service = self.container.service_name
        if service not in c.EVENTS.get((self.source, self.event_type), ()):
            raise RuntimeError(
                f"contracts.EVENTS does not name {service} as a consumer of "
                f"{self.source}.{self.event_type}"
            )
        databases = [d for d in self.container.dependencies if isinstance(d, Database)]
        if len(databases) != 1:
            raise RuntimeError(f"{service}: an event handler needs exactly one Database dependency")
        self.database = databases[0]
        self.handler_name = c.event_queue(self.source, self.event_type, service)
        self.queue = queues.consumer_queue(self.source, self.event_type, service, self.container.config)
        self.queue_consumer.register_provider(self)
        self.retrier.register_provider(self)

    def stop(self):
        self.queue_consumer.unregister_provider(self)
        self.retrier.unregister_provider(self)

    # from the queue

    def handle_message(self, body, message):
        try:
            envelope = check_envelope(body, self.event_type)
        except MalformedEnvelope as exc:
            self._park_now(message, None, body, f"malformed envelope: {exc}")
            return
        try:
            if self._processed(envelope["event_id"]):
                self.queue_consumer.ack_message(message)
                return
            self.container.spawn_worker(
                self, (envelope,), {}, context_data=restored_context(envelope),
                handle_result=partial(self.handle_result, message, envelope),
            )
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)
        except Exception:
            log.exception("%s: could not start handling a message", self.handler_name)
            self._requeue_later(message)

    def handle_result(self, message, envelope, worker_ctx, result, exc_info):
        exc_info = finish_transactions(self.container, worker_ctx, exc_info)
        if exc_info is not None:
            try:
                record_failure(
                    self.database.engine, self.handler_name, envelope["event_id"], envelope,
                    _error_text(exc_info), self.container.config,
                )
            except Exception:
                log.exception("%s: could not record a failure", self.handler_name)
                self._requeue_later(message)
                return result, exc_info
        self.queue_consumer.ack_message(message)
        return result, exc_info

    def handle_undecodable(self, message, exc):
        self._park_now(message, None, message.body, f"undecodable message: {exc}")

    def _park_now(self, message, event_id, body, error):
        log.error("%s: parking a message: %s", self.handler_name, error)
        try:
            record_failure(
                self.database.engine, self.handler_name, event_id, body, error,
                self.container.config, parked=True,
            )
        except Exception:
            log.exception("%s: could not park a message", self.handler_name)
            self._requeue_later(message)
            return
        self.queue_consumer.ack_message(message)

    def _requeue_later(self, message):
        # The database is unreachable: hold the message a while (not a hot
        # loop), then give it back to the broker.
        eventlet.sleep(DB_ERROR_PAUSE)
        self.queue_consumer.requeue_message(message)

    def _processed(self, event_id):
        with self.database.engine.connect() as conn:
            return conn.execute(
                select(processed_events.c.event_id)
                .where(processed_events.c.handler == self.handler_name)
                .where(processed_events.c.event_id == event_id)
            ).first() is not None

    # from failed_events

    def retry(self, failure_id, body):
        try:
            envelope = check_envelope(json.loads(body), self.event_type)
        except (ValueError, MalformedEnvelope) as exc:
            record_retry_failure(
                self.database.engine, failure_id, f"malformed envelope: {exc}", self.container.config
            )
            return
        try:
            self.container.spawn_worker(
                self, (envelope,), {}, context_data=restored_context(envelope),
                handle_result=partial(self.handle_retry_result, failure_id),
            )
        except ContainerBeingKilled:
            pass  # the lease runs out and the retry is due again

    def handle_retry_result(self, failure_id, worker_ctx, result, exc_info):
        exc_info = finish_transactions(self.container, worker_ctx, exc_info)
        try:
            if exc_info is None:
                forget_failure(self.database.engine, failure_id)
            else:
                record_retry_failure(
                    self.database.engine, failure_id, _error_text(exc_info), self.container.config
                )
        except Exception:  # the lease runs out and the retry is due again
            log.exception("%s: could not record a retry's outcome", self.handler_name)
        return result, exc_info


def restored_context(envelope):
    """The context a handler's worker runs in: the correlation id of the
    request that caused the event, so that what the handler causes carries it
    on (the principal is the service's own, see `Caller`)."""
    return {c.CORRELATION_CONTEXT_KEY: envelope["correlation_id"]}


def _transaction(service):
    found = [v for v in vars(service).values() if isinstance(v, Transaction)]
    if len(found) != 1:
        raise RuntimeError("an event handler needs exactly one Database dependency")
    return found[0]


def claim_event(tx, handler, event_id):
    """Record in the worker's transaction that `handler` handles `event_id`;
    False when it was handled already (or is being handled right now, and
    that transaction then commits)."""
    return insert_ignore(
        tx.session,
        processed_events,
        dict(handler=handler, event_id=event_id, processed_at=now()),
    )


def event_handler(source, event_type, **kwargs):
    """Decorate `def on_x(self, envelope)` as the service's handler of
    `event_type` events of `source` (see the module's docstring)."""

    def decorate(fn):
        @wraps(fn)
        def handle(self, envelope):
            handler = c.event_queue(source, event_type, self.name)
            if not claim_event(_transaction(self), handler, envelope["event_id"]):
                log.info("%s: event %s handled already", handler, envelope["event_id"])
                return None
            return fn(self, envelope)

        return EventHandler.decorator(source, event_type, **kwargs)(handle)

    return decorate


# --- admin RPCs ----------------------------------------------------------------


def _iso(value):
    return value.isoformat() if value is not None else None


def _body(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


class EventAdmin:
    """Admin RPCs for the parked messages of a service; mix into the service
    class (it uses the service's `db` and `caller`)."""

    @rpc
    def list_parked(self, limit=200):
        """The parked messages, oldest first (at most `limit`): [{id, handler,
        event_id, attempts, last_error, parked_at, created_at, body}]."""
        self.caller.require(c.ADMIN)
        limit = max(1, min(int(limit), 1000))
        rows = self.db.session.execute(
            select(failed_events)
            .where(failed_events.c.parked_at.is_not(None))
            .order_by(failed_events.c.parked_at, failed_events.c.id)
            .limit(limit)
        ).mappings().all()
        return [
            {
                "id": row["id"],
                "handler": row["handler"],
                "event_id": row["event_id"],
                "attempts": row["attempts"],
                "last_error": row["last_error"],
                "parked_at": _iso(row["parked_at"]),
                "created_at": _iso(row["created_at"]),
                "body": _body(row["body"]),
            }
            for row in rows
        ]

    @rpc
    def replay_parked(self, parked_id):
        """Try a parked message once more, now; it is parked again if it
        fails. Returns {"id": parked_id, "replayed": True}."""
        principal = self.caller.require(c.ADMIN)
        stamp = now()
        result = self.db.session.execute(
            update(failed_events)
            .where(failed_events.c.id == str(parked_id))
            .where(failed_events.c.parked_at.is_not(None))
            .values(parked_at=None, next_attempt_at=stamp, updated_at=stamp)
        )
        if result.rowcount != 1:
            raise NotFound("没有找到该条暂存的消息")
        operation_log.record(self.db.session, principal, "parked.replay", f"{self.name} 服务的暂存消息",
                             str(parked_id), now=stamp)
        return {"id": parked_id, "replayed": True}
