"""Rows that have served their purpose are removed: sessions a day after they
ended or expired, SMS rows after two days (the daily limit needs one), login
failures after a day, usual login addresses once unused for longer than
login.USUAL_FOR."""
import datetime as dt

from sqlalchemy import delete, or_

from services.accounts import login, sessions
from services.accounts.models import LoginAddress, LoginFailure, LoginSession, SmsCode


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
    counts["login_addresses"] = session.execute(
        delete(LoginAddress).where(LoginAddress.last_login_at < now - login.USUAL_FOR)
    ).rowcount
    return counts
