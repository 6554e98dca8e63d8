"""Login sessions: an opaque random token for the cookie, only its hash kept.

A session ends after 30 minutes without a request (idle), 12 hours after the
login (absolute), at 退出, and for every session of an account when its
password is reset or the account is disabled.
"""
import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update

from services.accounts.models import Account, Enterprise, LoginSession
from services.common import clock
from services.common import contracts

IDLE = dt.timedelta(minutes=30)
ABSOLUTE = dt.timedelta(hours=12)
# last_seen_at is written at most this often (a page view is not a write).
TOUCH_EVERY = dt.timedelta(seconds=60)


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start(session, account_id, now=None):
    """A fresh token (the cookie value) for a new session of the account."""
    now = now or clock.utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(token_hash=token_hash(token), account_id=account_id, created_at=now, last_seen_at=now)
    )
    return token


def end(session, token, now=None):
    if not token or not isinstance(token, str):
        return
    session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == token_hash(token), LoginSession.ended_at.is_(None))
        .values(ended_at=now or clock.utcnow())
    )


def end_all(session, account_id, now=None):
    session.execute(
        update(LoginSession)
        .where(LoginSession.account_id == account_id, LoginSession.ended_at.is_(None))
        .values(ended_at=now or clock.utcnow())
    )


def principal_of(account):
    return {
        "kind": account.kind,
        "id": account.id,
        "region_code": account.region_code,
        "level": account.level if account.kind == contracts.REVIEWER else None,
    }


def account_view(account):
    return {
        "id": account.id,
        "kind": account.kind,
        "username": account.username,
        "display_name": account.display_name,
        "region_code": account.region_code,
        "level": account.level,
    }


def resolve(session, token, now=None):
    """{"principal": {...}, "account": {...}, "expires_in": seconds} of a
    live session, else None."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    now = now or clock.utcnow()
    row = session.get(LoginSession, token_hash(token))
    if row is None or row.ended_at is not None:
        return None
    if now - clock.utc(row.last_seen_at) > IDLE or now - clock.utc(row.created_at) > ABSOLUTE:
        row.ended_at = now
        return None
    account = session.get(Account, row.account_id)
    if account is None or account.disabled:
        return None
    if now - clock.utc(row.last_seen_at) > TOUCH_EVERY:
        row.last_seen_at = now
    # Seconds the session has left at most (its absolute lifetime): a caller
    # that keeps the answer for a while never keeps it longer.
    expires_in = int((clock.utc(row.created_at) + ABSOLUTE - now).total_seconds())
    return {"principal": principal_of(account), "account": account_view(account), "expires_in": expires_in}


def display_name_of(session, account):
    if account.kind == contracts.ENTERPRISE:
        enterprise = session.get(Enterprise, account.id)
        if enterprise is not None:
            return enterprise.name
    return account.display_name


def live_count(session, account_id):
    return len(
        session.scalars(
            select(LoginSession.token_hash).where(
                LoginSession.account_id == account_id, LoginSession.ended_at.is_(None)
            )
        ).all()
    )
