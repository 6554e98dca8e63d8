"""Expiry reminders of a 认定: every day at RECOGNITION_REMIND_AT (Beijing
time, on one replica: services.common.schedule), each recognised base whose
validity ends in exactly — or, after a missed day, fewer than — one of the
RECOGNITION_REMIND_DAYS (default "90,30") days gets one SMS per threshold,
to its enterprise's account phone (verified by SMS code; asked of accounts
as the declarations service), never to the 申请表's 联系手机. The message
carries the date and the number of days only. Each SMS sent is recorded
(recognition_reminders), so a threshold is never sent twice; only the
smallest threshold due is sent when several are (a base recognised with
less than 90 days left gets the 30-day one only when it is due)."""
import datetime as dt
import logging

from sqlalchemy import select

from services.common import clock
from services.common import config as cfg
from services.common import contracts as c
from services.common import validators
from services.declarations.models import Declaration, RecognitionReminder

log = logging.getLogger(__name__)

# Settings of the reminders (read only here).
ENV_RECOGNITION_REMIND_DAYS = "RECOGNITION_REMIND_DAYS"  # days before the end of a 认定 an SMS goes out
ENV_RECOGNITION_REMIND_AT = "RECOGNITION_REMIND_AT"  # HH:MM Beijing time of the daily job
DEFAULT_REMIND_DAYS = "90,30"
REMIND_AT = "09:00"
MAX_THRESHOLD = 366


def remind_days(config=None):
    """RECOGNITION_REMIND_DAYS as whole days, largest first; ValueError for
    anything else."""
    value = str(cfg.get(ENV_RECOGNITION_REMIND_DAYS, config, DEFAULT_REMIND_DAYS)).strip()
    if not value:
        return ()
    try:
        days = sorted({int(part) for part in value.split(",")}, reverse=True)
    except ValueError:
        days = [0]
    if any(not 1 <= d <= MAX_THRESHOLD for d in days):
        raise ValueError(f"{ENV_RECOGNITION_REMIND_DAYS} must be whole days from 1 to {MAX_THRESHOLD} "
                         f"separated by commas, not {value!r}")
    return tuple(days)


def dedupe_key(declaration, days):
    return f"recognition-expiring:{declaration.id}:{declaration.valid_until.isoformat()}:{days}"


def _due_threshold(declaration, thresholds, today, sent):
    """The threshold to send today: the smallest one reached and not sent."""
    left = (declaration.valid_until - today).days
    reached = [d for d in thresholds if 0 <= left <= d and d not in sent]
    if not reached or any(s <= min(reached) for s in sent):
        return None, left
    return min(reached), left


def _phone(accounts, enterprise_id):
    try:
        account = getattr(accounts, c.RPC_ENTERPRISE_SUMMARY)(str(enterprise_id)) or {}
    except Exception as exc:  # one enterprise's account must not stop the others
        log.warning("expiry reminder: accounts.%s(%s) failed: %r", c.RPC_ENTERPRISE_SUMMARY, enterprise_id, exc)
        return None
    phone = str(account.get("contact_phone") or "").strip()
    if account.get("disabled") or not phone or validators.mobile(phone) is not None:
        return None
    return phone


def send(tx, accounts, now=None, thresholds=None):
    """Ask notify for every reminder due (in the worker's transaction `tx`).
    Returns {"due": n, "sent": m}."""
    now = now or clock.utcnow()
    today = clock.beijing_day(now)
    thresholds = remind_days() if thresholds is None else tuple(thresholds)
    if not thresholds:
        return {"due": 0, "sent": 0}
    rows = tx.session.execute(
        select(Declaration).where(
            Declaration.state == c.APPROVED, Declaration.valid_until.is_not(None),
            Declaration.valid_until >= today, Declaration.valid_until <= today + dt.timedelta(days=max(thresholds)),
        ).order_by(Declaration.valid_until)
    ).scalars().all()
    due = sent_count = 0
    for declaration in rows:
        sent = {r.days for r in tx.session.execute(select(RecognitionReminder).where(
            RecognitionReminder.declaration_id == declaration.id,
            RecognitionReminder.valid_until == declaration.valid_until)).scalars()}
        days, left = _due_threshold(declaration, thresholds, today, sent)
        if days is None:
            continue
        due += 1
        phone = _phone(accounts, declaration.enterprise_id)
        if phone is None:
            log.warning("expiry reminder: enterprise %s has no usable account phone", declaration.enterprise_id)
            continue
        tx.dispatch(c.SMS_REQUESTED, {
            "phone": phone, "template": c.SMS_RECOGNITION_EXPIRING,
            "params": {"valid_until": declaration.valid_until.isoformat(), "days": left},
            "dedupe_key": dedupe_key(declaration, days),
        })
        tx.session.add(RecognitionReminder(declaration_id=declaration.id, days=days,
                                           valid_until=declaration.valid_until, sent_at=now))
        sent_count += 1
    log.info("expiry reminders: %d due, %d sent", due, sent_count)
    return {"due": due, "sent": sent_count}
