"""/api/v1: the enterprise's own declarations, read-only, described by an
OpenAPI 3.1 document (/api/v1/openapi.json, docs page /api/v1/docs).

Who asks: the portal's session cookie (resolved before every request by
gateway.auth), or a per-enterprise API token in `Authorization: Bearer`,
which accounts resolves (and rate-limits) here. Errors are RFC 9457 problem
details (gateway.errors)."""
from flask import Blueprint, g, request

from services.common import contracts as c
from services.common.errors import Unauthenticated
from services.common.principal import Principal

bp = Blueprint("api_v1", __name__)


@bp.before_request
def bearer_token():
    header = request.headers.get("Authorization", "")
    if not header:
        return
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("请使用 Authorization: Bearer <API 令牌>")
    from gateway import rpc

    g.principal = None  # a token, when given, decides; not the cookie
    resolved = rpc(c.ACCOUNTS, c.ACCOUNTS_RESOLVE_API_TOKEN, token.strip())
    if not resolved:
        raise Unauthenticated("API 令牌无效或已撤销")
    g.principal = Principal(**resolved["principal"])
    g.account = resolved["account"]


from gateway.api.v1 import declarations, docs  # noqa: E402,F401
