"""Accepting an `sms_requested` event: one message per request (its dedupe
key unique in the table), rendered from its template, or refused with the
reason (over a per-phone limit, not a valid request). Nothing is sent here:
services.notify.sending sends what was accepted, at once after the commit and
again on the retry timer when a send fails."""
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.common import clock
from services.common import validators
from services.notify import providers
from services.notify.code_purge import CODE_EXPIRED
from services.notify.models import QUEUED, REFUSED, Message, PhoneLock
from services.notify.templates import TemplateError, is_masked, masked, render

log = logging.getLogger(__name__)

LIMIT_PER_MINUTE_MESSAGE = "超过该手机号每分钟短信上限"
LIMIT_PER_DAY_MESSAGE = "超过该手机号每日短信上限"


@dataclass(frozen=True)
class Request:
    """What an `sms_requested` event asks for, bounded."""

    source: str
    event_id: str
    phone: str
    dedupe_key: str
    template: str
    params: dict

    @classmethod
    def of(cls, source, event_id, data):
        data = data if isinstance(data, dict) else {}
        params = data.get("params")
        return cls(
            source=source,
            event_id=event_id,
            phone=str(data.get("phone") or "").strip()[:20],
            dedupe_key=str(data.get("dedupe_key") or f"{source}:{event_id}")[:200],
            template=str(data.get("template") or "")[:60],
            params=params if isinstance(params, dict) else {},
        )


def lock_phone(session, phone):
    """Hold the phone's lock row until the transaction ends, so concurrent
    requests to one phone are counted one after the other. One statement:
    the row inserted, or (it is there) updated in place, which locks it; a
    concurrent request waits for that lock."""
    if session.get_bind().dialect.name == "sqlite":
        return  # SQLite runs one writing transaction at a time anyway
    table = PhoneLock.__table__
    stmt = pg_insert(table).values(phone=phone)
    session.execute(stmt.on_conflict_do_update(index_elements=[table.c.phone], set_={"phone": stmt.excluded.phone}))


def over_limit(session, phone, settings, at):
    """The reason a new message to `phone` is refused, or None: the messages
    to it (refused ones aside) in the last minute and the last 24 hours,
    counted in one statement."""
    minute_ago, day_ago = at - timedelta(minutes=1), at - timedelta(days=1)
    last_minute, last_day = session.execute(
        select(func.count().filter(Message.created_at >= minute_ago), func.count())
        .select_from(Message)
        .where(Message.phone == phone, Message.state != REFUSED, Message.created_at >= day_ago)
    ).one()
    if last_minute >= settings.per_phone_per_minute:
        return LIMIT_PER_MINUTE_MESSAGE
    if last_day >= settings.per_phone_per_day:
        return LIMIT_PER_DAY_MESSAGE
    return None


def _new_message(request, at):
    return Message(
        id=str(uuid.uuid4()),
        dedupe_key=request.dedupe_key,
        source=request.source,
        event_id=request.event_id,
        phone=request.phone,
        template=request.template,
        params=request.params,
        state=QUEUED,
        attempts=0,
        maybe_sent=False,
        created_at=at,
        updated_at=at,
    )


def _render_into(message, request):
    """Fill in the rendered text; the reason it cannot be sent, or None."""
    problem = validators.mobile(request.phone)
    if problem is None and is_masked(request.template, request.params):
        return CODE_EXPIRED  # a parked request replayed after its code was purged
    if problem is not None:
        return problem
    try:
        rendered = render(request.template, request.params)
    except TemplateError as exc:
        return exc.args[0]
    message.template_code = rendered.template.code
    message.params = rendered.params
    message.text = rendered.text
    return None


def _store(session, message):
    """Add `message`; the one stored under its dedupe key meanwhile, if any."""
    if session.get_bind().dialect.name == "sqlite":
        session.add(message)
        session.flush()
        return message
    table = Message.__table__
    values = {column.name: getattr(message, column.key) for column in table.columns
              if getattr(message, column.key) is not None}
    stored = session.execute(
        pg_insert(table).values(**values).on_conflict_do_nothing(index_elements=[table.c.dedupe_key])
        .returning(table.c.id)
    ).scalar()
    if stored is None:  # the same request, accepted meanwhile elsewhere (its transaction waited for)
        return session.scalar(select(Message).where(Message.dedupe_key == message.dedupe_key))
    return message


def accept(session, source, event_id, data, settings, at=None):
    """Record the message an `sms_requested` event asks for (queued and due
    now, or refused with the reason) and return it; the message already
    recorded under the request's dedupe key if there is one. Runs in the
    caller's transaction."""
    at = at or clock.utcnow()
    request = Request.of(source, event_id, data)
    if request.phone:
        lock_phone(session, request.phone)
    existing = session.scalar(select(Message).where(Message.dedupe_key == request.dedupe_key))
    if existing is not None:
        log.info("SMS request %s is a repeat of message %s", request.dedupe_key, existing.id)
        return existing
    message = _new_message(request, at)
    problem = _render_into(message, request)
    if problem is None:
        problem = over_limit(session, request.phone, settings, at)
    if problem is None:
        message.next_attempt_at = at
    else:
        message.state = REFUSED
        message.last_error = problem
        message.params, message.text = masked(request.template, message.params, message.text)
        log.warning("SMS %s to %s refused: %s", request.dedupe_key, providers.mask_phone(request.phone), problem)
    return _store(session, message)
