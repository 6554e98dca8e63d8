"""SMS codes are kept in notify only until sent (docs/sms-codes.md): a code
message still unsent when the code has expired is given up, and its code
masked, like that of every code message done with (sent, failed, refused:
masked when they end, see services.notify.sending.send_one and
services.notify.accepting.accept); parked requests of codes that have expired
are masked too (replayed, they are refused)."""
import json
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common import clock
from services.common import contracts as c
from services.common.tables import failed_events
from services.notify.models import FAILED, QUEUED, UNKNOWN, Message
from services.notify.templates import masked

CODE_EXPIRED = "验证码已过期，未发送"
CODE_LIFETIME = timedelta(minutes=10)  # accounts' codes.VALID_FOR: a later send is of no use

PURGE_EVERY = 60.0  # seconds between purges of expired codes in one process
_last_purge = {}


def purge_codes_due(engine, at=None):
    """purge_codes at most every PURGE_EVERY seconds per engine; its two
    tables each in a transaction of their own (never a lock on one held
    while waiting for the other)."""
    at = at or clock.utcnow()
    last = _last_purge.get(id(engine))
    if last is not None and (at - last).total_seconds() < PURGE_EVERY:
        return 0
    _last_purge[id(engine)] = at
    changed = 0
    for part in (_purge_messages, _purge_parked):
        with Session(engine) as session, session.begin():
            changed += part(session, at)
    return changed


def purge_codes(session, at=None):
    """Give up and mask the expired codes still unsent, mask the parked
    requests of expired codes. Returns how many rows changed."""
    at = at or clock.utcnow()
    return _purge_messages(session, at) + _purge_parked(session, at)


def _purge_messages(session, at):
    changed = 0
    stale = session.scalars(
        select(Message).where(
            Message.template == c.SMS_VERIFICATION_CODE,
            Message.state.in_((QUEUED, UNKNOWN)),
            Message.created_at < at - CODE_LIFETIME,
        )
    ).all()
    for message in stale:
        message.state, message.last_error, message.next_attempt_at = FAILED, CODE_EXPIRED, None
        message.params, message.text = masked(message.template, message.params, message.text)
        message.updated_at = at
        changed += 1
    return changed


def _purge_parked(session, at):
    changed = 0
    parked = session.execute(
        select(failed_events.c.id, failed_events.c.body).where(
            failed_events.c.handler.like(f"%{c.SMS_REQUESTED}%"),
            failed_events.c.created_at < at - CODE_LIFETIME,
            failed_events.c.body.like('%"code"%'),
        )
    ).all()
    for row_id, body in parked:
        scrubbed = _scrub_body(body)
        if scrubbed != body:
            session.execute(update(failed_events).where(failed_events.c.id == row_id).values(body=scrubbed))
            changed += 1
    return changed


def _scrub_body(body):
    try:
        envelope = json.loads(body)
        data = envelope["data"]
        if data.get("template") != c.SMS_VERIFICATION_CODE or not isinstance(data.get("params"), dict):
            return body
        data["params"], _text = masked(data["template"], data["params"], None)
        return json.dumps(envelope, ensure_ascii=False)
    except (ValueError, TypeError, KeyError, AttributeError):
        return body
