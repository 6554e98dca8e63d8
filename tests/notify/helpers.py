"""Helpers of the notify tests: sms_requested events published as the
producers' outboxes publish them, and the messages table read back."""
import time
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common import contracts as c
from services.common import outbox
from services.common.tables import processed_events
from services.notify.models import Message
from tests.support.identifiers import phone_number

FAST = {
    c.ENV_SMS_POLL_INTERVAL: "0.05",
    c.ENV_SMS_RETRY_DELAY: "0.05",
    c.ENV_SMS_RETRY_MAX_DELAY: "0.2",
    c.ENV_SMS_MAX_ATTEMPTS: "1000",
}


def publish(config, source, data, event_id=None):
    """Publish an sms_requested envelope as `source`'s outbox does."""
    env = outbox.envelope(data, event_id=event_id)
    pub = outbox.publisher(config)
    outbox.publish_one(pub, source, c.SMS_REQUESTED, env)
    return env


def sms(phone=None, template=c.SMS_VERIFICATION_CODE, params=None, key=None):
    return {
        "phone": phone or phone_number(),
        "template": template,
        "params": params if params is not None else {"code": "246810", "minutes": 5},
        "dedupe_key": key or f"test:{uuid.uuid4()}",
    }


def wait_for(condition, timeout=20, what="condition"):
    """Poll until `condition()` is truthy (a deadline for a hang, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def messages(engine):
    with Session(engine) as session:
        return {m.dedupe_key: m for m in session.scalars(select(Message))}


def processed(engine):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(processed_events)).scalar()


def states(engine):
    return {k: m.state for k, m in messages(engine).items()}
