"""API tokens: how another system reads an enterprise's own declarations
through /api/v1 without a browser session.

An enterprise creates a token in 用户中心 (it is shown once), names it, and
revokes it there. Only the token's SHA-256 is kept. Each token may make
`API_TOKEN_PER_MINUTE` requests in a calendar minute; more are refused with
the seconds to wait. A token of a disabled account resolves to nothing.
"""
import datetime as dt
import secrets
import uuid

from sqlalchemy import func, select

from services.accounts.models import Account, ApiToken
from services.accounts.sessions import account_view, principal_of, token_hash
from services.common import clock
from services.common import contracts
from services.common.errors import NotFound, RateLimited, ValidationFailed

PREFIX = "sme_"
PER_MINUTE = 60  # default of API_TOKEN_PER_MINUTE
MAX_LIVE = 10  # live tokens one enterprise may hold
NAME_MAX = 40


def _view(row):
    return {
        "id": row.id,
        "name": row.name,
        "prefix": row.prefix,
        "created_at": row.created_at.isoformat(),
        "last_used_at": clock.iso(row.last_used_at),
    }


def create(session, principal, name, now=None):
    """A new token of the calling enterprise: {id, name, prefix, created_at,
    token}; `token` is never shown again."""
    principal.require(contracts.ENTERPRISE)
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise ValidationFailed("请填写令牌名称", {"name": "请填写令牌名称，例如“市平台对接”"})
    if len(name) > NAME_MAX:
        raise ValidationFailed("令牌名称过长", {"name": f"不能超过{NAME_MAX}字（当前{len(name)}字）"})
    live = session.scalar(
        select(func.count()).select_from(ApiToken).where(
            ApiToken.account_id == str(principal.id), ApiToken.revoked_at.is_(None)
        )
    )
    if live >= MAX_LIVE:
        raise ValidationFailed(f"最多保留{MAX_LIVE}个令牌，请先撤销不用的令牌", {})
    now = now or clock.utcnow()
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        id=str(uuid.uuid4()), account_id=str(principal.id), name=name, token_hash=token_hash(token),
        prefix=token[: len(PREFIX) + 4], created_at=now, window_count=0,
    )
    session.add(row)
    session.flush()
    return {**_view(row), "token": token}


def list_mine(session, principal):
    principal.require(contracts.ENTERPRISE)
    rows = session.scalars(
        select(ApiToken)
        .where(ApiToken.account_id == str(principal.id), ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at)
    )
    return [_view(row) for row in rows]


def revoke(session, principal, token_id, now=None):
    principal.require(contracts.ENTERPRISE)
    row = session.get(ApiToken, str(token_id)) if token_id else None
    if row is None or row.account_id != str(principal.id) or row.revoked_at is not None:
        raise NotFound("未找到该令牌")
    row.revoked_at = now or clock.utcnow()
    return True


def resolve(session, token, per_minute=PER_MINUTE, now=None):
    """{"principal", "account"} of a live token (as a session resolves), None
    for an unknown, revoked or disabled one; RateLimited (with the seconds to
    wait) once its minute's allowance is used up. `per_minute` 0: no cap."""
    if not token or not isinstance(token, str) or not token.startswith(PREFIX) or len(token) > 200:
        return None
    now = now or clock.utcnow()
    row = session.execute(
        select(ApiToken).where(ApiToken.token_hash == token_hash(token)).with_for_update()
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    account = session.get(Account, row.account_id)
    if account is None or account.disabled or account.kind != contracts.ENTERPRISE:
        return None
    minute = now.replace(second=0, microsecond=0)
    if row.window_start is None or clock.utc(row.window_start) != minute:
        row.window_start, row.window_count = minute, 0
    if per_minute and row.window_count >= per_minute:
        wait = max(1, int((minute + dt.timedelta(minutes=1) - now).total_seconds()) + 1)
        raise RateLimited("API 请求过于频繁，请稍后再试", wait)
    row.window_count += 1
    row.last_used_at = now
    return {"principal": principal_of(account), "account": account_view(account)}
