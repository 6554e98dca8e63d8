"""Rows that have served their purpose are removed: sessions a day after they
ended or expired, SMS rows after two days (the daily limit needs one), login
failures after a day, usual login addresses once unused for longer than
login.USUAL_FOR; the codes in published SMS requests of the outbox are
masked (docs/sms-codes.md); the 登录日志 only after `log_keep_days`
(LOG_KEEP_DAYS, at least 180)."""
import datetime as dt

from sqlalchemy import delete, or_, select, update

from services.accounts import login, login_log, sessions
from services.accounts.models import LoginAddress, LoginFailure, LoginSession, SmsCode
from services.common import clock
from services.common import contracts
from services.common import pruning
from services.common.tables import outbox_events


def purge(session, now=None, log_keep_days=pruning.LOG_KEEP_DAYS):
    now = now or clock.utcnow()
    day = dt.timedelta(days=1)
    counts = {}
    counts["sessions"] = session.execute(
        delete(LoginSession).where(
            or_(
                LoginSession.ended_at < now - day,
                LoginSession.last_seen_at < now - sessions.IDLE - day,
                LoginSession.created_at < now - sessions.ABSOLUTE - day,
            )
        )
    ).rowcount
    counts["sms_codes"] = session.execute(delete(SmsCode).where(SmsCode.created_at < now - 2 * day)).rowcount
    counts["login_failures"] = session.execute(delete(LoginFailure).where(LoginFailure.at < now - day)).rowcount
    counts["outbox_codes"] = scrub_published_codes(session, now)
    counts["login_addresses"] = session.execute(
        delete(LoginAddress).where(LoginAddress.last_login_at < now - login.USUAL_FOR)
    ).rowcount
    counts["login_log"] = login_log.prune(session, max(log_keep_days, pruning.MIN_LOG_KEEP_DAYS), now)
    return counts


MASK = "******"


def scrub_published_codes(session, now):
    """The code inside an SMS request is needed until the event is
    published: afterwards the outbox row keeps it masked (the row itself
    goes with the outbox's housekeeping). Returns how many rows changed."""
    rows = session.execute(
        select(outbox_events.c.id, outbox_events.c.payload).where(
            outbox_events.c.event_type == contracts.SMS_REQUESTED,
            outbox_events.c.published_at.is_not(None),
            outbox_events.c.published_at > now - dt.timedelta(days=2),
        )
    ).all()
    changed = 0
    for row_id, payload in rows:
        params = ((payload or {}).get("data") or {}).get("params")
        if isinstance(params, dict) and params.get("code") not in (None, MASK):
            data = {**payload["data"], "params": {**params, "code": MASK}}
            session.execute(
                update(outbox_events).where(outbox_events.c.id == row_id).values(payload={**payload, "data": data})
            )
            changed += 1
    return changed
