"""Rows that have served their purpose are removed: sessions a day after they
ended or expired, SMS rows after two days (the daily limit needs one), login
failures after a day."""
import datetime as dt

from sqlalchemy import delete, or_

from services.accounts import sessions
from services.accounts.models import LoginFailure, LoginSession, SmsCode


def purge(session, now=None):
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
    return counts
