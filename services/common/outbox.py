"""Transactional outbox: events recorded with the business change, published
after commit with publisher confirms."""
import logging
import uuid
from datetime import datetime, timezone

from kombu import Exchange
from nameko.amqp.publish import Publisher
from sqlalchemy import select, update

from services.common import config as cfg
from services.common import contracts as c
from services.common.tables import outbox_events

log = logging.getLogger(__name__)


def now():
    return datetime.now(timezone.utc)


def event_exchange(source):
    """The topic exchange a service publishes its events to (durable, kept)."""
    return Exchange(f"{source}.events", type="topic", durable=True, auto_delete=False)


def envelope(data, event_id=None, occurred_at=None):
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "occurred_at": (occurred_at or now()).isoformat(),
        "data": data,
    }


class Row:
    def __init__(self, id):
        self.id = id


def record(session, source, event_type, data):
    env = envelope(data)
    session.execute(
        outbox_events.insert().values(
            id=env["event_id"],
            source=source,
            event_type=event_type,
            payload=env,
            created_at=now(),
            attempts=0,
        )
    )
    return Row(env["event_id"])


def publisher(config):
    return Publisher(cfg.get(c.ENV_AMQP_URI, config), use_confirms=True, serializer="json")


def publish_rows(engine, source, rows, pub):
    """Publish outbox rows (id, event_type, payload) and mark each published
    once the broker confirmed it. Returns how many were published."""
    exchange = event_exchange(source)
    published = 0
    for row_id, event_type, payload in rows:
        try:
            pub.publish(payload, exchange=exchange, routing_key=event_type, declare=[exchange])
        except Exception as exc:
            log.warning("publishing %s %s failed: %s", event_type, row_id, exc)
            with engine.begin() as conn:
                conn.execute(
                    update(outbox_events)
                    .where(outbox_events.c.id == row_id)
                    .values(attempts=outbox_events.c.attempts + 1, last_error=str(exc)[:500])
                )
            continue
        with engine.begin() as conn:
            conn.execute(
                update(outbox_events).where(outbox_events.c.id == row_id).values(published_at=now())
            )
        published += 1
    return published


def publish_committed(provider, event_ids):
    """Right after a commit: publish the worker's events. What fails here the
    relay publishes later."""
    with provider.engine.connect() as conn:
        rows = conn.execute(
            select(outbox_events.c.id, outbox_events.c.event_type, outbox_events.c.payload)
            .where(outbox_events.c.id.in_(event_ids))
            .where(outbox_events.c.published_at.is_(None))
            .order_by(outbox_events.c.created_at)
        ).all()
    try:
        publish_rows(provider.engine, provider.service_name, rows, publisher(provider.container.config))
    except Exception:  # never fail the worker: the relay takes over
        log.exception("publishing after commit failed; the relay will retry")
