"""Rows that have served their purpose are removed: sessions a day after they
ended or expired, SMS rows after two days (the daily limit needs one), login
failures after a day; the 登录日志 only after `log_keep_days` (LOG_KEEP_DAYS,
at least 180)."""
import datetime as dt

from sqlalchemy import delete, or_

from services.accounts import login_log, sessions
from services.common import housekeeping
from services.accounts.models import LoginFailure, LoginSession, SmsCode


def purge(session, now=None, log_keep_days=housekeeping.LOG_KEEP_DAYS):
    now = now or sessions.utcnow()
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
    counts["login_log"] = login_log.prune(session, max(log_keep_days, housekeeping.MIN_LOG_KEEP_DAYS), now)
    return counts
