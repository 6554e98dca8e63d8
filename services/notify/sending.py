"""The life of an SMS: accepted from a request, sent, retried, given up.

    queued -> sending -> sent
                      -> queued (retry later: the provider refused for now or was unreachable)
                      -> unknown (no answer: retried later with the same message id)
                      -> failed (refused for good, or the last retry failed)
    refused: over a per-phone limit or not a valid request; never sent.

Exactly once from our side:
- `accept` keys each message by the request's dedupe key (unique in the
  table): a redelivered request adds nothing.
- a sender claims a message by moving it from queued/unknown to sending with
  a compare-and-set update, so two senders never send it at the same time; a
  message left in sending by a sender that died is taken back as unknown
  after a lease.
- every send of a message carries the same message id (its dedupe key), so a
  retry after an unknown outcome is dropped by the provider if the first one
  got through.
"""
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import eventlet
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common import config as cfg
from services.common import contracts as c
from services.common import validators
from services.common.tables import failed_events
from services.common.metrics import SMS_SENDS
from services.notify import providers
from services.notify.models import (
    FAILED,
    QUEUED,
    REFUSED,
    SENDING,
    SENT,
    UNKNOWN,
    Message,
    PhoneLock,
)
from services.notify.templates import TemplateError, is_masked, masked, render


log = logging.getLogger(__name__)

LIMIT_PER_MINUTE_MESSAGE = "超过该手机号每分钟短信上限"
LIMIT_PER_DAY_MESSAGE = "超过该手机号每日短信上限"
CODE_EXPIRED = "验证码已过期，未发送"
CODE_LIFETIME = timedelta(minutes=10)  # accounts' codes.VALID_FOR: a later send is of no use


def now():
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Settings:
    per_phone_per_minute: int = 5
    per_phone_per_day: int = 30
    max_attempts: int = 8
    retry_delay: float = 5.0
    retry_max_delay: float = 300.0
    poll_interval: float = 1.0
    timeout: float = providers.DEFAULT_TIMEOUT
    batch: int = 50
    concurrency: int = 10

    @property
    def sending_lease(self):
        """Seconds after which a message still 'sending' is taken to belong
        to a sender that died: longer than any send can take."""
        return 2 * self.timeout + 5

    def backoff(self, attempts):
        """Seconds before the retry that follows the `attempts`-th send."""
        return min(self.retry_delay * 2 ** max(attempts - 1, 0), self.retry_max_delay)


def settings(config=None):
    d = Settings()

    def number(env, default, kind=float):
        return kind(cfg.get(env, config, default=str(default)))

    return Settings(
        per_phone_per_minute=number(c.ENV_SMS_PER_PHONE_PER_MINUTE, d.per_phone_per_minute, int),
        per_phone_per_day=number(c.ENV_SMS_PER_PHONE_PER_DAY, d.per_phone_per_day, int),
        max_attempts=max(number(c.ENV_SMS_MAX_ATTEMPTS, d.max_attempts, int), 1),
        retry_delay=number(c.ENV_SMS_RETRY_DELAY, d.retry_delay),
        retry_max_delay=number(c.ENV_SMS_RETRY_MAX_DELAY, d.retry_max_delay),
        poll_interval=number(c.ENV_SMS_POLL_INTERVAL, d.poll_interval),
        timeout=providers.timeout(config),
    )


# --- accepting a request ----------------------------------------------------------


def lock_phone(session, phone):
    """Hold the phone's lock row until the transaction ends, so concurrent
    requests to one phone are counted one after the other."""
    if session.get_bind().dialect.name == "sqlite":
        return  # SQLite runs one writing transaction at a time anyway
    if session.get(PhoneLock, phone, with_for_update=True) is not None:
        return
    try:
        with session.begin_nested():
            session.add(PhoneLock(phone=phone))
    except IntegrityError:  # another request inserted it first: wait for it
        session.get(PhoneLock, phone, with_for_update=True, populate_existing=True)


def count_since(session, phone, since):
    return session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.phone == phone, Message.state != REFUSED, Message.created_at >= since)
    )


def over_limit(session, phone, settings, at):
    """The reason a new message to `phone` is refused, or None."""
    if count_since(session, phone, at - timedelta(minutes=1)) >= settings.per_phone_per_minute:
        return LIMIT_PER_MINUTE_MESSAGE
    if count_since(session, phone, at - timedelta(days=1)) >= settings.per_phone_per_day:
        return LIMIT_PER_DAY_MESSAGE
    return None


def accept(session, source, event_id, data, settings, at=None):
    """Record the message an `sms_requested` event asks for (queued, or
    refused with the reason) and return it; the message already recorded
    under the request's dedupe key if there is one. Runs in the caller's
    transaction."""
    at = at or now()
    data = data if isinstance(data, dict) else {}
    phone = str(data.get("phone") or "").strip()[:20]
    dedupe_key = str(data.get("dedupe_key") or f"{source}:{event_id}")[:200]
    params = data.get("params") if isinstance(data.get("params"), dict) else {}
    template = str(data.get("template") or "")[:60]

    if phone:
        lock_phone(session, phone)
    existing = session.scalar(select(Message).where(Message.dedupe_key == dedupe_key))
    if existing is not None:
        log.info("SMS request %s is a repeat of message %s", dedupe_key, existing.id)
        return existing

    message = Message(
        id=str(uuid.uuid4()),
        dedupe_key=dedupe_key,
        source=source,
        event_id=event_id,
        phone=phone,
        template=template,
        params=params,
        state=QUEUED,
        attempts=0,
        maybe_sent=False,
        created_at=at,
        updated_at=at,
    )
    problem = validators.mobile(phone)
    if problem is None and is_masked(template, params):
        problem = CODE_EXPIRED  # a parked request replayed after its code was purged
    if problem is None:
        try:
            rendered = render(template, params)
        except TemplateError as exc:
            problem = exc.args[0]
        else:
            message.template_code = rendered.template.code
            message.params = rendered.params
            message.text = rendered.text
    if problem is None:
        problem = over_limit(session, phone, settings, at)
    if problem is None:
        message.next_attempt_at = at
    else:
        message.state = REFUSED
        message.last_error = problem
        message.params, message.text = masked(template, message.params, message.text)
        log.warning("SMS %s to %s refused: %s", dedupe_key, providers.mask_phone(phone), problem)
    if session.get_bind().dialect.name == "sqlite":
        session.add(message)
        session.flush()
        return message
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:  # the same request, accepted meanwhile elsewhere
        session.expunge(message)
        return session.scalar(select(Message).where(Message.dedupe_key == dedupe_key))
    return message


# --- sending --------------------------------------------------------------------------


def recover_stale(session, settings, at=None):
    """Messages left 'sending' longer than the lease (their sender died
    mid-send) become unknown and due: the retry carries the same id."""
    at = at or now()
    result = session.execute(
        update(Message)
        .where(Message.state == SENDING)
        .where(Message.sending_since < at - timedelta(seconds=settings.sending_lease))
        .values(
            state=UNKNOWN,
            maybe_sent=True,
            next_attempt_at=at,
            sending_since=None,
            last_error="发送中断（服务重启），结果未知",
            updated_at=at,
        )
    )
    return result.rowcount


def claim_due(session, settings, at=None, limit=None):
    """Move due messages to 'sending' and return their ids with the
    attempt number each send is. A message another sender claimed meanwhile is
    skipped (compare-and-set on state and attempts)."""
    at = at or now()
    rows = session.execute(
        select(Message.id, Message.state, Message.attempts)
        .where(Message.state.in_((QUEUED, UNKNOWN)))
        .where(Message.next_attempt_at <= at)
        .order_by(Message.next_attempt_at)
        .limit(limit or settings.batch)
    ).all()
    claimed = []
    for message_id, state, attempts in rows:
        result = session.execute(
            update(Message)
            .where(Message.id == message_id, Message.state == state, Message.attempts == attempts)
            .values(
                state=SENDING,
                attempts=attempts + 1,
                sending_since=at,
                updated_at=at,
            )
        )
        if result.rowcount == 1:
            claimed.append((message_id, attempts + 1))
    return claimed


def outcome_values(result, attempts, maybe_sent, settings, at):
    """The columns a message gets after its `attempts`-th send ended with
    `result`."""
    values = {"sending_since": None, "updated_at": at}
    if result.outcome == providers.SENT:
        values.update(state=SENT, sent_at=at, next_attempt_at=None, last_error=None)
        if result.reference:
            values["provider_reference"] = result.reference
        return values
    values["last_error"] = (result.error or result.outcome)[:1000]
    if result.outcome == providers.UNKNOWN:
        maybe_sent = True
        values["maybe_sent"] = True
    last = attempts >= settings.max_attempts
    if result.outcome == providers.REJECTED or (last and result.outcome == providers.RETRY):
        # Given up; if an earlier send may have got through, we cannot say
        # it failed.
        values.update(state=UNKNOWN if maybe_sent else FAILED, next_attempt_at=None)
    elif result.outcome == providers.UNKNOWN:
        due = None if last else at + timedelta(seconds=settings.backoff(attempts))
        values.update(state=UNKNOWN, next_attempt_at=due)
    else:
        values.update(
            state=QUEUED, next_attempt_at=at + timedelta(seconds=settings.backoff(attempts))
        )
    return values


def send_one(engine, provider, message_id, attempts, settings):
    """Send one claimed message and record the outcome. Returns the outcome."""
    with Session(engine) as session:
        message = session.get(Message, message_id)
        args = (message.dedupe_key, message.phone, message.template_code, message.params, message.text)
        maybe_sent = message.maybe_sent
        template = message.template
    try:
        result = provider.send(*args)
    except Exception as exc:  # a bug in an adapter must not leave the message claimed
        log.exception("SMS provider %s raised", provider.name)
        result = providers.Result(providers.UNKNOWN, f"provider error: {exc}")
    values = outcome_values(result, attempts, maybe_sent, settings, now())
    values["provider"] = provider.name
    if values.get("state") in (SENT, FAILED):  # done with: a code is not kept beyond its send
        values["params"], values["text"] = masked(template, args[3], args[4])
    with Session(engine) as session, session.begin():
        done = session.execute(
            update(Message)
            .where(Message.id == message_id, Message.state == SENDING, Message.attempts == attempts)
            .values(**values)
        )
    if done.rowcount != 1:
        log.warning("message %s was taken over while sending; outcome %s not recorded", message_id, result.outcome)
    else:
        SMS_SENDS.labels(values["state"]).inc()
    log.info(
        "SMS %s to %s, attempt %d: %s%s",
        message_id,
        providers.mask_phone(args[1]),
        attempts,
        result.outcome,
        f" ({result.error})" if result.error else "",
    )
    return result.outcome


PURGE_EVERY = 60.0  # seconds between purges of expired codes in one process
_last_purge = {}


def purge_codes_due(engine, at=None):
    """purge_codes at most every PURGE_EVERY seconds per engine; its two
    tables each in a transaction of their own (never a lock on one held
    while waiting for the other)."""
    at = at or now()
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
    """SMS codes are kept in notify only until sent: a code message still
    unsent when the code has expired is given up, and its code masked, like
    that of every code message done with (sent, failed, refused: masked when
    they end, see send_one and accept); parked requests of codes that have
    expired are masked too (replayed, they are refused). Returns how many
    rows changed."""
    at = at or now()
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


def send_due(engine, provider, settings):
    """One sweep: take back stale sends, then send every message due, a few
    at a time. Returns the number of sends made."""
    purge_codes_due(engine)
    total = 0
    pool = eventlet.GreenPool(settings.concurrency)
    while True:
        with Session(engine) as session, session.begin():
            recover_stale(session, settings)
            claimed = claim_due(session, settings)
        for message_id, attempts in claimed:
            pool.spawn_n(send_one, engine, provider, message_id, attempts, settings)
        pool.waitall()
        total += len(claimed)
        if len(claimed) < settings.batch:
            return total
