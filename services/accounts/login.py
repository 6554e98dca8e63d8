"""登录: username and password, throttled after repeated failures.

Enterprise and staff usernames are separate namespaces: the portal's login
looks up enterprises only, the console's staff only, and failures are
counted per namespace, so nothing typed on the portal touches a staff
account.

Throttling (ASVS 2.2.1: soft lockout, per address), all within a sliding
fifteen-minute window, each until the oldest counted failure ages out; the
message gives the wait, and the same message answers an unknown username
and a wrong password:

- a username from one address: five failures throttle *that address* for
  that username. Failures from other addresses never count here, so nobody
  can lock an account out of a correct login from where its owner is;
- an address: `LOGIN_FAILURES_PER_IP` failures (default 30) across usernames
  throttle the address, so one address cannot try many usernames;
- a username from everywhere: MAX_ACCOUNT_FAILURES failures from all
  addresses together throttle further tries, except from the account's usual
  addresses (where it logged in successfully within USUAL_FOR). This caps
  guessing by a botnet of many addresses without locking the owner out.

A correct login clears the failures of its own address and records the
address as usual for the account.
"""
import datetime as dt
import math

from sqlalchemy import delete, func, select, update

from services.accounts import passwords
from services.accounts.models import Account, LoginAddress, LoginFailure
from services.common import clock
from services.common import contracts
from services.common.errors import Forbidden, RateLimited, Unauthenticated
from services.common.fields import search_term
from services.common.tables import insert_ignore

MAX_FAILURES = 5  # per username and address
MAX_IP_FAILURES = 30  # default of LOGIN_FAILURES_PER_IP
MAX_ACCOUNT_FAILURES = 50  # per username from all addresses but its usual ones
USUAL_FOR = dt.timedelta(days=90)
WINDOW = dt.timedelta(minutes=15)
WRONG = "用户名或密码错误"
DISABLED = "该账号已停用，请联系平台管理员"
ENTERPRISES = "enterprise"
STAFF = "staff"


def namespace_of(kind):
    """The username namespace of an account kind."""
    return ENTERPRISES if kind == contracts.ENTERPRISE else STAFF


MAX_USERNAME = 40  # accounts.username's width; a longer one names no account


def normalise_username(username):
    """Lower case, trimmed, control characters dropped, cut to the column's
    width: whatever was typed is stored with the failure it caused."""
    return search_term(username, MAX_USERNAME).lower()


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
    oldest = clock.utc(rows[-1])
    return max(1, math.ceil((oldest + WINDOW - now).total_seconds()))


def _same_address(ip):
    return LoginFailure.ip.is_(None) if ip is None else LoginFailure.ip == ip


def throttled_for(session, username, now, ip=None, namespace=STAFF):
    """Seconds until the username may try again from this address (0 when
    it may now)."""
    condition = (LoginFailure.namespace == namespace) & (LoginFailure.username == username) & _same_address(ip)
    return _wait(session, condition, MAX_FAILURES, now)


def usual_address(session, account, ip, now):
    if account is None or ip is None:
        return False
    row = session.get(LoginAddress, (account.id, ip))
    return row is not None and clock.utc(row.last_login_at) > now - USUAL_FOR


def account_throttled_for(session, username, now, namespace, limit=MAX_ACCOUNT_FAILURES):
    """Seconds until the username may try again from an address that is not
    one of its usual ones (0 when it may now)."""
    condition = (LoginFailure.namespace == namespace) & (LoginFailure.username == username)
    return _wait(session, condition, limit, now)


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


def authenticate(session, username, password, kinds, ip=None, now=None, ip_limit=MAX_IP_FAILURES,
                 account_limit=MAX_ACCOUNT_FAILURES):
    """The account (of one of `kinds`) for the credentials; raises
    RateLimited, Unauthenticated or Forbidden. `ip_limit`: failures from
    one address within the window that throttle it (0: no limit);
    `account_limit`: failures from all addresses that throttle the username
    everywhere but its usual addresses."""
    now = now or clock.utcnow()
    username = normalise_username(username)
    namespace = STAFF if contracts.ENTERPRISE not in kinds else ENTERPRISES
    ip = (ip or "")[:64] or None
    wait = ip_throttled_for(session, ip, now, ip_limit)
    if wait:
        raise RateLimited(ip_wait_message(wait), wait)
    wait = throttled_for(session, username, now, ip, namespace)
    if wait:
        raise RateLimited(wait_message(wait), wait)
    account = session.scalars(
        select(Account).where(Account.namespace == namespace, Account.username == username)
    ).first()
    if account is not None and account.kind not in kinds:
        account = None
    if not usual_address(session, account, ip, now):
        wait = account_throttled_for(session, username, now, namespace, account_limit)
        if wait:
            raise RateLimited(wait_message(wait), wait)
    if account is None or not isinstance(password, str) or len(password) > passwords.MAX_LENGTH:
        passwords.burn()
        ok = False
    else:
        ok = passwords.verify(account.password_hash, password)
    if not ok:
        session.add(LoginFailure(namespace=namespace, username=username, ip=ip, at=now))
        # The failure must count although the call fails: the worker's
        # transaction is rolled back when it raises, so commit it here.
        session.commit()
        wait = throttled_for(session, username, now, ip, namespace)
        if wait:
            raise RateLimited(wait_message(wait), wait)
        wait = ip_throttled_for(session, ip, now, ip_limit)
        if wait:
            raise RateLimited(ip_wait_message(wait), wait)
        raise Unauthenticated(WRONG)
    if account.disabled:
        raise Forbidden(DISABLED)
    session.execute(
        delete(LoginFailure).where(
            LoginFailure.namespace == namespace, LoginFailure.username == username, _same_address(ip)
        )
    )
    if ip is not None:
        values = {"account_id": account.id, "ip": ip, "last_login_at": now}
        if not insert_ignore(session, LoginAddress.__table__, values):
            session.execute(
                update(LoginAddress)
                .where(LoginAddress.account_id == account.id, LoginAddress.ip == ip)
                .values(last_login_at=now)
            )
    return account


def failure_count(session, username, now=None, namespace=None):
    now = now or clock.utcnow()
    condition = [LoginFailure.username == normalise_username(username), LoginFailure.at > now - WINDOW]
    if namespace is not None:
        condition.append(LoginFailure.namespace == namespace)
    return session.scalar(select(func.count()).select_from(LoginFailure).where(*condition))
