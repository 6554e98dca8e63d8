"""登录: username and password, throttled after repeated failures.

Five failures for a username within fifteen minutes throttle it until the
oldest of them is fifteen minutes old; the message gives the wait. The same
message answers an unknown username and a wrong password. An address is
throttled the same way after `LOGIN_FAILURES_PER_IP` failures (default 30)
across usernames, so that one address cannot try many usernames.
"""
import datetime as dt
import math

from sqlalchemy import delete, func, select

from services.accounts import passwords, sessions
from services.accounts.models import Account, LoginFailure
from services.common.errors import Forbidden, RateLimited, Unauthenticated

MAX_FAILURES = 5
MAX_IP_FAILURES = 30  # default of LOGIN_FAILURES_PER_IP
WINDOW = dt.timedelta(minutes=15)
WRONG = "用户名或密码错误"
DISABLED = "该账号已停用，请联系平台管理员"


def normalise_username(username):
    return (username or "").strip().lower()


def _wait(session, condition, limit, now):
    """Seconds until the last `limit` failures matching `condition` are not
    all within the window (0 when fewer than `limit` are; `limit` 0: never)."""
    if not limit:
        return 0
    rows = session.scalars(
        select(LoginFailure.at)
        .where(condition, LoginFailure.at > now - WINDOW)
        .order_by(LoginFailure.at.desc())
        .limit(limit)
    ).all()
    if len(rows) < limit:
        return 0
    oldest = sessions.aware(rows[-1])
    return max(1, math.ceil((oldest + WINDOW - now).total_seconds()))


def throttled_for(session, username, now):
    """Seconds until the username may try again (0 when it may now)."""
    return _wait(session, LoginFailure.username == username, MAX_FAILURES, now)


def ip_throttled_for(session, ip, now, limit=MAX_IP_FAILURES):
    """Seconds until the address may try again (0 when it may now)."""
    if not ip:
        return 0
    return _wait(session, LoginFailure.ip == ip, limit, now)


def ip_wait_message(seconds):
    minutes = max(1, math.ceil(seconds / 60))
    return f"该网络登录失败次数过多，请{minutes}分钟后再试"


def wait_message(seconds):
    minutes = max(1, math.ceil(seconds / 60))
    return f"密码错误次数过多，请{minutes}分钟后再试"


def authenticate(session, username, password, kinds, ip=None, now=None, ip_limit=MAX_IP_FAILURES):
    """The account (of one of `kinds`) for the credentials; raises
    RateLimited, Unauthenticated or Forbidden. `ip_limit`: failures from
    one address within the window that throttle it (0: no limit)."""
    now = now or sessions.utcnow()
    username = normalise_username(username)
    ip = (ip or "")[:64] or None
    wait = ip_throttled_for(session, ip, now, ip_limit)
    if wait:
        raise RateLimited(ip_wait_message(wait), wait)
    wait = throttled_for(session, username, now)
    if wait:
        raise RateLimited(wait_message(wait), wait)
    account = session.scalars(select(Account).where(Account.username == username)).first()
    if account is None or account.kind not in kinds:
        passwords.burn()
        ok = False
    else:
        ok = passwords.verify(account.password_hash, password)
    if not ok:
        session.add(LoginFailure(username=username, ip=ip, at=now))
        # The failure must count although the call fails: the worker's
        # transaction is rolled back when it raises, so commit it here.
        session.commit()
        wait = throttled_for(session, username, now)
        if wait:
            raise RateLimited(wait_message(wait), wait)
        wait = ip_throttled_for(session, ip, now, ip_limit)
        if wait:
            raise RateLimited(ip_wait_message(wait), wait)
        raise Unauthenticated(WRONG)
    if account.disabled:
        raise Forbidden(DISABLED)
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    return account


def failure_count(session, username, now=None):
    now = now or sessions.utcnow()
    return session.scalar(
        select(func.count()).select_from(LoginFailure).where(
            LoginFailure.username == normalise_username(username), LoginFailure.at > now - WINDOW
        )
    )
