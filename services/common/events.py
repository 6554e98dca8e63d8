"""Handling events reliably: `event_handler` and `EventAdmin`.

    class ReviewService(EventAdmin):
        name = contracts.REVIEW
        db = Database(contracts.REVIEW)
        caller = Caller()

        @event_handler(contracts.DECLARATIONS, contracts.DECLARATION_SUBMITTED)
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
  tried once more by `replay_parked` (admins only, see `EventAdmin` in
  services.common.event_admin). Replicas share due retries with FOR UPDATE
  SKIP LOCKED (services.common.event_retries).
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
from functools import partial, wraps

import eventlet
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import Entrypoint
from nameko.messaging import QueueConsumer
from sqlalchemy import select

from services.common import clock
from services.common import contracts
from services.common import event_retries, queues
from services.common.db import Database, Transaction, finish_transactions
from services.common.event_admin import EventAdmin
from services.common.outbox import MalformedEnvelope, check_envelope
from services.common.tables import insert_ignore, processed_events

__all__ = ["EventAdmin", "EventHandler", "claim_event", "event_handler"]

log = logging.getLogger(__name__)

DB_ERROR_PAUSE = 5.0  # when a failure cannot even be recorded: wait, then requeue


# --- the entrypoint ---------------------------------------------------------


class EventQueueConsumer(QueueConsumer):
    """nameko's queue consumer (a connection of its own for event queues),
    except that a message it cannot decode is parked instead of killing the
    consumer thread (and with it the service), and that a service stopped
    before it was consuming stops."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._undecodable, provider)
        return consumers

    def unregister_provider(self, provider):
        # Stopped before its consumers were ever ready (a SIGTERM while the
        # service starts), nameko releases its stop on the first handler
        # given up and fails on the next one, and the process never ends.
        if not self._consumers_ready.ready() and self._last_provider_unregistered.ready():
            return
        super().unregister_provider(provider)

    def _undecodable(self, provider, message, exc):
        self.container.spawn_managed_thread(
            partial(provider.handle_undecodable, message, exc), identifier="park undecodable"
        )


class EventHandler(Entrypoint):
    """Entrypoint behind `event_handler`."""

    acts_as_service = True  # Caller gives its workers the system principal

    queue_consumer = EventQueueConsumer()
    retrier = event_retries.EventRetrier()

    def __init__(self, source, event_type, **kwargs):
        self.source = source
        self.event_type = event_type
        super().__init__(**kwargs)

    def setup(self):
        service = self.container.service_name
        if service not in contracts.EVENTS.get((self.source, self.event_type), ()):
            raise RuntimeError(
                f"contracts.EVENTS does not name {service} as a consumer of "
                f"{self.source}.{self.event_type}"
            )
        databases = [d for d in self.container.dependencies if isinstance(d, Database)]
        if len(databases) != 1:
            raise RuntimeError(f"{service}: an event handler needs exactly one Database dependency")
        self.database = databases[0]
        self.handler_name = contracts.event_queue(self.source, self.event_type, service)
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
            # A repeat of an event handled already is found by the worker's
            # claim (`claim_event`), not here: the consumer does not wait on
            # the database between one message and the next.
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
                event_retries.record_failure(
                    self.database.engine, self.handler_name, envelope["event_id"], envelope,
                    event_retries.error_text(exc_info), self.container.config,
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
            event_retries.record_failure(
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

    # from failed_events

    def retry(self, failure_id, body):
        try:
            envelope = check_envelope(json.loads(body), self.event_type)
        except (ValueError, MalformedEnvelope) as exc:
            event_retries.record_retry_failure(
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
                event_retries.forget_failure(self.database.engine, failure_id)
            else:
                event_retries.record_retry_failure(
                    self.database.engine, failure_id, event_retries.error_text(exc_info), self.container.config
                )
        except Exception:  # the lease runs out and the retry is due again
            log.exception("%s: could not record a retry's outcome", self.handler_name)
        return result, exc_info


def restored_context(envelope):
    """The context a handler's worker runs in: the correlation id of the
    request that caused the event, so that what the handler causes carries it
    on (the principal is the service's own, see `Caller`)."""
    return {contracts.CORRELATION_CONTEXT_KEY: envelope["correlation_id"]}


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
        dict(handler=handler, event_id=event_id, processed_at=clock.utcnow()),
    )


def event_handler(source, event_type, **kwargs):
    """Decorate `def on_x(self, envelope)` as the service's handler of
    `event_type` events of `source` (see the module's docstring)."""

    def decorate(fn):
        @wraps(fn)
        def handle(self, envelope):
            handler = contracts.event_queue(source, event_type, self.name)
            if not claim_event(_transaction(self), handler, envelope["event_id"]):
                log.info("%s: event %s handled already", handler, envelope["event_id"])
                return None
            return fn(self, envelope)

        return EventHandler.decorator(source, event_type, **kwargs)(handle)

    return decorate
