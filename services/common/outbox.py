"""Transactional outbox: events recorded with the business change, published
after commit with publisher confirms, and republished by the relay
(services.common.relay) when that publish did not happen.

The envelope of every event is built and checked here (`envelope`,
`check_envelope`), nowhere else.

Publishing declares, besides the source's exchange, every consumer queue the
contracts name for the event, so an event is never routed to nowhere even
where the setup step was skipped.
"""
import logging
import uuid
from datetime import datetime

from nameko.amqp.publish import Publisher
from sqlalchemy import select, update

from services.common import clock
from services.common import config as cfg
from services.common import contracts
from services.common.queues import consumer_queue, event_exchange
from services.common.tables import outbox_events, skip_locked

log = logging.getLogger(__name__)

# Connection errors surface quickly: the relay (services.common.relay) does
# its own backing off.
RETRY_POLICY = {"max_retries": 1, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1}
TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1}


# --- the envelope -----------------------------------------------------------


class MalformedEnvelope(ValueError):
    """A message body that is not the envelope of the contracts."""


ENVELOPE_KEYS = frozenset(contracts.ENVELOPE_FIELDS)
SEQUENCED_KEYS = ENVELOPE_KEYS | frozenset(contracts.SEQUENCE_FIELDS)
MAX_ID_LENGTH = 200


def caused_by(principal):
    """The envelope's `caused_by` of a principal (or of an unknown cause)."""
    if principal is None:
        return {"kind": contracts.SYSTEM, "id": "unknown"}
    return {"kind": principal.kind, "id": str(principal.id)}


def envelope(data, event_id=None, occurred_at=None, event_type=None, cause=None,
             correlation_id=None, sequence=None, state=None):
    """The envelope of the contracts around `data`. `cause` is the principal
    (or `caused_by` dict) that caused it; `sequence` and `state` are required
    for the state-changing events (contracts.SEQUENCED_EVENTS)."""
    if cause is None or not isinstance(cause, dict):
        cause = caused_by(cause)
    body = {
        "event_id": event_id or str(uuid.uuid4()),
        "occurred_at": (occurred_at or clock.utcnow()).isoformat(),
        "caused_by": {"kind": cause.get("kind"), "id": cause.get("id")},
        "correlation_id": correlation_id or str(uuid.uuid4()),
        "data": data,
    }
    if sequence is not None or state is not None:
        body.update(sequence=sequence, state=state)
    return check_envelope(body, event_type)


def _text(body, key):
    value = body[key]
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise MalformedEnvelope(f"{key} is not a short text: {value!r}")
    return value


def check_envelope(body, event_type=None):
    """The envelope itself when `body` is a well-formed one (for `event_type`,
    when given: a state-changing event must carry its sequence and state);
    MalformedEnvelope otherwise."""
    if not isinstance(body, dict):
        raise MalformedEnvelope(f"the body is a {type(body).__name__}, not an object")
    keys = set(body)
    expected = SEQUENCED_KEYS if (event_type in contracts.SEQUENCED_EVENTS or "sequence" in keys) else ENVELOPE_KEYS
    if keys != expected:
        missing, extra = expected - keys, keys - expected
        raise MalformedEnvelope(f"keys missing: {sorted(missing)}, unexpected: {sorted(extra)}")
    event_id = body["event_id"]
    try:
        if not isinstance(event_id, str) or str(uuid.UUID(event_id)) != event_id.lower():
            raise ValueError
    except ValueError:
        raise MalformedEnvelope(f"event_id is not a UUID: {event_id!r}") from None
    occurred_at = body["occurred_at"]
    try:
        if not isinstance(occurred_at, str):
            raise ValueError
        datetime.fromisoformat(occurred_at)
    except ValueError:
        raise MalformedEnvelope(f"occurred_at is not an ISO 8601 time: {occurred_at!r}") from None
    cause = body["caused_by"]
    if not isinstance(cause, dict) or set(cause) != {"kind", "id"}:
        raise MalformedEnvelope("caused_by is not {kind, id}")
    if cause["kind"] not in contracts.PRINCIPAL_KINDS:
        raise MalformedEnvelope(f"caused_by names an unknown principal kind: {cause['kind']!r}")
    if event_type in contracts.EVENT_CAUSES and cause["kind"] not in contracts.EVENT_CAUSES[event_type]:
        raise MalformedEnvelope(f"{event_type} cannot be caused by a {cause['kind']}")
    _text(cause, "id")
    _text(body, "correlation_id")
    if "sequence" in body:
        sequence = body["sequence"]
        if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 0:
            raise MalformedEnvelope(f"sequence is not a whole number: {sequence!r}")
        if body["state"] not in contracts.STATE_LABELS:
            raise MalformedEnvelope(f"state is not a declaration state: {body['state']!r}")
    if not isinstance(body["data"], dict):
        raise MalformedEnvelope("data is not an object")
    return body


# --- recording and publishing -------------------------------------------------


class Row:
    def __init__(self, id):
        self.id = id


def record(session, source, event_type, data, cause=None, correlation_id=None, sequence=None, state=None):
    env = envelope(data, event_type=event_type, cause=cause, correlation_id=correlation_id,
                   sequence=sequence, state=state)
    session.execute(
        outbox_events.insert().values(
            id=env["event_id"],
            source=source,
            event_type=event_type,
            payload=env,
            created_at=clock.utcnow(),
            attempts=0,
        )
    )
    return Row(env["event_id"])


def publisher(config):
    return Publisher(
        cfg.get(contracts.ENV_AMQP_URI, config),
        use_confirms=True,
        serializer="json",
        retry=True,
        retry_policy=RETRY_POLICY,
    )


def declarations(source, event_type):
    """What to declare before publishing an event: the source's exchange and
    the consumer queues of the contracts."""
    return [event_exchange(source)] + [
        consumer_queue(source, event_type, consumer)
        for consumer in contracts.EVENTS.get((source, event_type), ())
    ]


def publish_one(pub, source, event_type, payload):
    pub.publish(
        payload,
        correlation_id=payload.get("correlation_id") if isinstance(payload, dict) else None,
        exchange=event_exchange(source),
        routing_key=event_type,
        declare=declarations(source, event_type),
        transport_options=dict(TRANSPORT_OPTIONS),
    )


def publish_rows(conn, rows, pub):
    """Publish claimed outbox rows (id, source, event_type, payload) in order
    and mark each published once the broker confirmed it, in `conn`'s
    transaction. Stops at the first failure, which it records on the row and
    returns (None when all went out)."""
    for row_id, source, event_type, payload in rows:
        try:
            publish_one(pub, source, event_type, payload)
        except Exception as exc:
            log.warning("publishing %s %s failed: %s", event_type, row_id, exc)
            conn.execute(
                update(outbox_events)
                .where(outbox_events.c.id == row_id)
                .values(attempts=outbox_events.c.attempts + 1, last_error=str(exc)[:500])
            )
            return exc
        conn.execute(
            update(outbox_events).where(outbox_events.c.id == row_id).values(published_at=clock.utcnow())
        )
    return None


COLUMNS = (
    outbox_events.c.id,
    outbox_events.c.source,
    outbox_events.c.event_type,
    outbox_events.c.payload,
)


def publish_committed(provider, event_ids):
    """Right after a commit: publish the worker's events. What fails here the
    relay publishes later."""
    engine = provider.engine
    try:
        with engine.begin() as conn:
            rows = conn.execute(
                skip_locked(
                    select(*COLUMNS)
                    .where(outbox_events.c.id.in_(event_ids))
                    .where(outbox_events.c.published_at.is_(None))
                    .order_by(outbox_events.c.created_at),
                    engine,
                )
            ).all()
            publish_rows(conn, rows, publisher(provider.container.config))
    except Exception:  # never fail the worker: the relay takes over
        log.exception("publishing after commit failed; the relay will retry")
