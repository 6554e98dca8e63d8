"""登录日志: every login attempt at the portal and at the console — when, who
(the username as typed, and the account when there is one), from which
address, and how it ended. Kept LOG_KEEP_DAYS (at least 180 days), unlike the
login failures that throttle logins (a day); searchable and exportable by
admins in the console.

`record` is the one way an attempt is logged; every step of a login that can
end it (the password, a second factor) calls it with its outcome.
"""
import datetime as dt
from datetime import timedelta

from sqlalchemy import delete, func, select

from services.accounts.models import LoginRecord
from services.common import clock
from services.common.errors import Forbidden, RateLimited
from services.common.fields import search_term

PORTAL = "portal"
CONSOLE = "console"
KINDS = {PORTAL: "企业门户", CONSOLE: "审核控制台"}

SUCCESS = "success"
FAILED = "failed"  # wrong username or password
THROTTLED = "throttled"  # too many failures: refused before checking
DISABLED = "disabled"
RESULTS = {
    SUCCESS: "登录成功",
    FAILED: "用户名或密码错误",
    THROTTLED: "失败次数过多，暂停登录",
    DISABLED: "账号已停用",
    # the second step of a staff login (services.accounts.second_factor)
    "totp_required": "密码正确，待两步验证",
    "enrol_required": "密码正确，须先启用两步验证",
    "totp_ok": "两步验证通过，登录成功",
    "recovery_code_ok": "恢复码验证通过，登录成功",
    "enrolled": "启用两步验证并登录",
    "code_wrong": "两步验证码错误",
    "code_reused": "两步验证码已使用过",
    "challenge_invalid": "两步验证已失效",
}
MAX_PER_PAGE = 500


def record(session, who, kind, address, result, detail=None, account_id=None, now=None):
    """Log one login attempt: `who` the username as typed, `kind` PORTAL or
    CONSOLE, `address` the client's IP, `result` one of RESULTS (a later
    step may add its own, e.g. a second factor's), `detail` a short note."""
    # What was typed is kept as text PostgreSQL can hold (no NUL or other
    # control characters), bounded like the columns.
    session.add(
        LoginRecord(
            at=now or clock.utcnow(),
            username=search_term(who, 40).lower(),
            account_id=account_id,
            kind=kind if kind in KINDS else search_term(kind, 20),
            address=search_term(address, 64) or None,
            result=search_term(result, 20),
            detail=search_term(detail, 200) or None,
        )
    )
    session.flush()


def refused(session, who, kind, address, exc):
    """Log a login that ended in `exc` (RateLimited, Unauthenticated or
    Forbidden) and commit it: the call fails, and the worker's transaction
    is rolled back when it does."""
    result = {RateLimited: THROTTLED, Forbidden: DISABLED}.get(type(exc), FAILED)
    message = getattr(exc, "message", "") or str(exc)
    record(session, who, kind, address, result, None if message == RESULTS[result] else message)
    session.commit()


def view(r):
    return {
        "id": r.id,
        "at": clock.iso(r.at),
        "username": r.username,
        "account_id": r.account_id,
        "kind": r.kind,
        "kind_label": KINDS.get(r.kind, r.kind),
        "address": r.address or "",
        "result": r.result,
        "result_label": RESULTS.get(r.result, r.result),
        "detail": r.detail or "",
    }


def _time(value):
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return clock.utc(parsed)


def search(session, filters=None, page=1, per_page=50):
    """One page of the log, newest first. filters: username (exact, as
    typed), address (exact), kind, result, since/until (ISO times, until
    exclusive). {"items", "total", "page", "pages", "kinds", "results"}
    (the last two: the labels the search offers)"""
    filters = filters or {}
    where = []
    username = str(filters.get("username") or "").strip().lower()[:40]
    if username:
        where.append(LoginRecord.username == username)
    address = str(filters.get("address") or "").strip()[:64]
    if address:
        where.append(LoginRecord.address == address)
    if filters.get("kind") in KINDS:
        where.append(LoginRecord.kind == filters["kind"])
    if filters.get("result") in RESULTS:
        where.append(LoginRecord.result == filters["result"])
    since, until = _time(filters.get("since")), _time(filters.get("until"))
    if since:
        where.append(LoginRecord.at >= since)
    if until:
        where.append(LoginRecord.at < until)
    try:
        page = max(1, int(page))
        per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    except (TypeError, ValueError):
        page, per_page = 1, 50
    total = session.scalar(select(func.count()).select_from(LoginRecord).where(*where))
    rows = session.scalars(
        select(LoginRecord).where(*where).order_by(LoginRecord.at.desc(), LoginRecord.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return {
        "items": [view(r) for r in rows],
        "total": total,
        "page": page,
        "pages": max(1, -(-total // per_page)),
        "kinds": KINDS,
        "results": RESULTS,
    }


def prune(session, keep_days, now=None):
    """Delete what is older than `keep_days` (housekeeping); how many went."""
    cutoff = (now or clock.utcnow()) - timedelta(days=keep_days)
    return session.execute(delete(LoginRecord).where(LoginRecord.at < cutoff)).rowcount
