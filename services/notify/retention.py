"""Retention of SMS (services.common.personal_data, category "sms"): a
message — phone, text, delivery record — and its development-outbox copy are
deleted RETENTION_SMS_DAYS after it was made, once it is settled (sent,
failed or refused; one still being sent is left to the sender). In batches,
one short transaction each; the counts go to the service's
personal_data_log. On an enterprise's request (`enterprise_erased`) the
messages to its phones go at once."""
import datetime as dt

import eventlet
from sqlalchemy import and_, delete, select

from services.common import clock
from services.common import contracts as c
from services.common import pruning
from services.common import personal_data as pd
from services.notify.models import FAILED, REFUSED, SENT, DevOutboxEntry, Message

BATCH = 1000
SETTLED = (SENT, FAILED, REFUSED)


def _batches(engine, table, key, condition, batch, stopping):
    total = 0
    while True:
        chosen = select(key).where(condition).limit(batch)
        if engine.dialect.name == "postgresql":
            chosen = chosen.with_for_update(skip_locked=True)
        with engine.begin() as conn:
            deleted = conn.execute(delete(table).where(key.in_(chosen))).rowcount
            if table is Message:
                pd.record(conn, "sms", pd.DELETED, deleted)
        total += deleted
        if deleted < batch or (stopping is not None and stopping.ready()):
            return total
        eventlet.sleep(0)


def run(engine, config=None, now=None, batch=BATCH, stopping=None):
    """One pass; returns {"sms_messages": n, "sms_dev_outbox": n}."""
    now = now or clock.utcnow()
    limit = now - dt.timedelta(days=pd.retention_days("sms", config))
    return {
        "sms_messages": _batches(engine, Message, Message.id,
                                 and_(Message.created_at < limit, Message.state.in_(SETTLED)), batch, stopping),
        "sms_dev_outbox": _batches(engine, DevOutboxEntry, DevOutboxEntry.message_id,
                                   DevOutboxEntry.created_at < limit, batch, stopping),
    }


def erase_phones(session, enterprise_id, phones):
    """The messages to these phones (an enterprise's, erased on request)."""
    phones = [p for p in phones or () if p]
    count = 0
    if phones:
        count = session.execute(delete(Message).where(Message.phone.in_(phones), Message.state.in_(SETTLED))).rowcount
        session.execute(delete(DevOutboxEntry).where(DevOutboxEntry.phone.in_(phones)))
    pd.record(session, "sms", pd.DELETED, count, reason=pd.REQUEST, subject_id=enterprise_id)
    return count


pruning.register(c.NOTIFY, lambda engine, config, stopping: run(engine, config, stopping=stopping))
