"""The life of an SMS after it was accepted (services.notify.accepting):
sent, retried, given up.

    queued -> sending -> sent
                      -> queued (retry later: the provider refused for now or was unreachable)
                      -> unknown (no answer: retried later with the same message id)
                      -> failed (refused for good, or the last retry failed)
    refused: over a per-phone limit or not a valid request; never sent.

A message is sent as soon as the transaction that accepted it commits
(`send_now`, run by the notify service when its `sms_requested` handler
ends); the retry timer (`send_due`, every SMS_POLL_INTERVAL seconds) sends
only what is due again: retries after a failure, sends taken back from a
sender that died, messages accepted while no sender could send at once.

Exactly once from our side:
- `accept` keys each message by the request's dedupe key (unique in the
  table): a redelivered request adds nothing.
- a sender claims a message by moving it from queued/unknown to sending with
  a compare-and-set update, so two senders (the immediate send and a timer,
  or two replicas) never send it at the same time; a message left in sending
  by a sender that died is taken back as unknown after a lease.
- every send of a message carries the same message id (its dedupe key), so a
  retry after an unknown outcome is dropped by the provider if the first one
  got through.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta

import eventlet
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common import clock
from services.common import config as cfg
from services.common import contracts as c
from services.common.metrics import SMS_SENDS
from services.notify import providers
from services.notify.code_purge import purge_codes_due
from services.notify.models import FAILED, QUEUED, SENDING, SENT, UNKNOWN, Message
from services.notify.templates import masked

log = logging.getLogger(__name__)

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


# --- sending --------------------------------------------------------------------------


def recover_stale(session, settings, at=None):
    """Messages left 'sending' longer than the lease (their sender died
    mid-send) become unknown and due: the retry carries the same id."""
    at = at or clock.utcnow()
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


def _claim(session, message_id, state, attempts, at):
    """Compare-and-set: the message moves to 'sending' only if it is still
    in `state` after `attempts` sends. True when this sender got it."""
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.state == state, Message.attempts == attempts)
        .values(state=SENDING, attempts=attempts + 1, sending_since=at, updated_at=at)
    )
    return result.rowcount == 1


def claim_due(session, settings, at=None, limit=None):
    """Move due messages to 'sending' and return their ids with the
    attempt number each send is. A message another sender claimed meanwhile is
    skipped (compare-and-set on state and attempts)."""
    at = at or clock.utcnow()
    rows = session.execute(
        select(Message.id, Message.state, Message.attempts)
        .where(Message.state.in_((QUEUED, UNKNOWN)))
        .where(Message.next_attempt_at <= at)
        .order_by(Message.next_attempt_at)
        .limit(limit or settings.batch)
    ).all()
    return [
        (message_id, attempts + 1)
        for message_id, state, attempts in rows
        if _claim(session, message_id, state, attempts, at)
    ]


def claim_new(session, message_id, at=None):
    """Claim one message just accepted (queued, never sent); None when it is
    not (refused, a repeat already sent) or another sender has it."""
    return 1 if _claim(session, message_id, QUEUED, 0, at or clock.utcnow()) else None


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
    values = outcome_values(result, attempts, maybe_sent, settings, clock.utcnow())
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


def send_now(engine, provider, message_ids, settings):
    """Send the messages just accepted, as soon as their transaction
    committed: the timer is only for retries. Returns the sends made."""
    total = 0
    for message_id in message_ids:
        with Session(engine) as session, session.begin():
            attempts = claim_new(session, message_id)
        if attempts is not None:
            send_one(engine, provider, message_id, attempts, settings)
            total += 1
    return total


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
