"""用户中心 → API 令牌: an enterprise creates a token for another system to
read its declarations through /api/v1 (shown once), and revokes it."""
from flask import render_template, request

from gateway import rpc
from gateway.auth import login_required
from gateway.portal import bp
from services.common import contracts as c
from services.common.errors import NotFound, ValidationFailed


@bp.route("/center/api-tokens", methods=["GET", "POST"])
@login_required
def api_tokens():
    created, error, status = None, None, 200
    if request.method == "POST":
        try:
            if request.form.get("revoke"):
                rpc(c.ACCOUNTS, c.ACCOUNTS_REVOKE_API_TOKEN, request.form["revoke"])
            else:
                created = rpc(c.ACCOUNTS, c.ACCOUNTS_CREATE_API_TOKEN, request.form.get("name", ""))
        except ValidationFailed as exc:
            error, status = next(iter(exc.errors.values()), exc.message), 422
        except NotFound as exc:
            error, status = exc.message, 404
    tokens = rpc(c.ACCOUNTS, c.ACCOUNTS_LIST_API_TOKENS)
    page = render_template(
        "portal/center_api_tokens.html", tokens=tokens, created=created, error=error, active="api_tokens",
        name=request.form.get("name", "") if error else "",
    )
    return page, status, {"Cache-Control": "no-store"}  # a new token is shown once
