"""The daily digest (审核提醒): every working day, each office — a review
level and its region (a county, a city, the province) — with cases waiting
gets one SMS per staff phone saying how many wait and how many of them are
overdue (services.review.overdue). Counts only: nothing an enterprise typed.

The review service runs it once a day at REVIEW_DIGEST_AT (Beijing time) on
one replica (services.common.schedule). The phones come from accounts
(ACCOUNTS_OFFICE_PHONES, asked as the review service itself); the messages
are `sms_requested` events that notify sends, each keyed by day, office and
phone, so a second run the same day sends nothing new.
"""
import logging

from services.common import clock
from services.common import contracts as c
from services.common import validators
from services.review import calendar, overdue

log = logging.getLogger(__name__)

MAX_PHONES_PER_OFFICE = 50


def dedupe_key(day, level, region_code, phone):
    return f"review-digest:{day.isoformat()}:{level}:{region_code}:{phone}"


def office_phones(accounts, level, region_code):
    """The valid, distinct phones accounts gives for an office."""
    phones = getattr(accounts, c.ACCOUNTS_OFFICE_PHONES)(level, region_code) or []
    seen = []
    for phone in phones[:MAX_PHONES_PER_OFFICE]:
        phone = str(phone or "").strip()
        if phone and validators.mobile(phone) is None and phone not in seen:
            seen.append(phone)
    return seen


def send(tx, accounts, now=None, default=None):
    """Ask notify for the digest of every office with cases waiting (in the
    worker's transaction `tx`). Returns {"offices": n, "messages": m}, or
    {"skipped": reason} on a day off."""
    now = now or clock.utcnow()
    today = clock.beijing_day(now)
    if not calendar.is_working_day(tx.session, today):
        log.info("review digest: %s is not a working day, nothing sent", today)
        return {"skipped": "非工作日"}
    offices = overdue.per_office(tx.session, now, default)
    messages = 0
    for (level, region_code), figures in sorted(offices.items()):
        for phone in office_phones(accounts, level, region_code):
            tx.dispatch(c.SMS_REQUESTED, {
                "phone": phone,
                "template": c.SMS_REVIEW_DIGEST,
                "params": {"waiting": figures["waiting"], "overdue": figures["overdue"]},
                "dedupe_key": dedupe_key(today, level, region_code, phone),
            })
            messages += 1
    log.info("review digest: %d offices with cases waiting, %d messages", len(offices), messages)
    return {"offices": len(offices), "messages": messages}
