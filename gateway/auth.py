"""Who is asking: the session cookie resolved to a principal, once per request.

The cookie holds an opaque random token; the accounts service keeps only its
hash and answers `resolve_session(token)` with the principal and a short view
of the account. Before every request the gateway sets

- `g.principal`: a services.common.principal.Principal, or None (anonymous);
  gateway.rpc signs it into every RPC the request makes;
- `g.account`: {id, kind, username, display_name, region_code, level} or None.

`login_required` guards the enterprise portal (redirect to 登录 with ?next=),
`staff_required(*kinds)` the console (redirect to the console login).
"""
import functools
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, url_for

from gateway.errors import render_error
from services.common import contracts as c
from services.common.principal import Principal

COOKIE = "sme_session"
MAX_AGE = 12 * 3600  # the session's absolute lifetime; the service enforces it
SKIP_ENDPOINTS = ("static", "healthz", "livez", "readyz", "metrics")


def _rpc(service, method, *args, **kwargs):
    from gateway import rpc

    return rpc(service, method, *args, **kwargs)


def session_token():
    return request.cookies.get(COOKIE)


def load_principal():
    """before_request: resolve the cookie (one RPC, cached on g)."""
    g.principal = None
    g.account = None
    token = session_token()
    if not token or request.endpoint in SKIP_ENDPOINTS:
        return
    resolved = _rpc(c.ACCOUNTS, c.RPC_RESOLVE_SESSION, token)
    if resolved:
        g.principal = Principal(**resolved["principal"])
        g.account = resolved["account"]
    else:
        g.clear_session_cookie = True


def set_session_cookie(response, token):
    response.set_cookie(
        COOKIE,
        token,
        max_age=MAX_AGE,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response


def clear_session_cookie(response):
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax")
    return response


def _after_request(response):
    if g.get("clear_session_cookie") and not g.get("session_cookie_set"):
        clear_session_cookie(response)
    return response


def start_session(response, token):
    """After a login: the new token replaces any old one (rotation)."""
    g.session_cookie_set = True
    return set_session_cookie(response, token)


def login_page(portal, template, default_next, second_step=None):
    """The 登录 form of the portal (portal=enterprise) or the console
    (portal="staff"): on success a fresh session (any old one ended) and a
    redirect to `next`; else the form again with the message. When the
    account's second factor is due, `second_step(result, next)` answers."""
    from flask import render_template

    from gateway import client_ip
    from services.common.errors import Forbidden, RateLimited, Unauthenticated

    next_url = safe_next(request.values.get("next"), default_next)
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not username or not password:
            error = "请填写用户名和密码"
        else:
            try:
                result = _rpc(c.ACCOUNTS, c.ACCOUNTS_LOGIN, username, password, portal, client_ip())
            except (Unauthenticated, Forbidden, RateLimited) as exc:
                error = exc.message
            else:
                if result.get("challenge") and second_step is not None:
                    return second_step(result, next_url)  # 两步验证 before any session
                old = session_token()
                if old:
                    _rpc(c.ACCOUNTS, c.ACCOUNTS_LOGOUT, old)
                return start_session(redirect(next_url), result["token"])
    status = 200 if error is None else 401
    return render_template(template, error=error, username=username, next=next_url), status


def safe_next(target, default):
    """A local path to go to after login (never another site)."""
    if not target or not isinstance(target, str):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def _here():
    path = request.full_path if request.query_string else request.path
    return path


def login_required(view):
    """Enterprise portal pages: an enterprise must be logged in."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        principal = g.get("principal")
        if principal is None:
            return redirect(url_for("portal.login", next=_here()))
        if principal.kind != c.ENTERPRISE:
            return render_error(403, "此页面仅供企业用户使用，请使用企业账号登录")
        return view(*args, **kwargs)

    return wrapper


def staff_required(*kinds):
    """Console pages: staff of one of `kinds` (default: reviewers and admins).
    Use as `@staff_required(c.ADMIN)`, `@staff_required()` or bare
    `@staff_required`."""
    if len(kinds) == 1 and callable(kinds[0]):
        return staff_required()(kinds[0])
    allowed = kinds or (c.REVIEWER, c.ADMIN)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            principal = g.get("principal")
            if principal is None or principal.kind not in (c.REVIEWER, c.ADMIN):
                return redirect(url_for("console.login", next=_here()))
            if principal.kind not in allowed:
                return render_error(403, "无权访问此页面")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def init_app(app):
    app.before_request(load_principal)
    app.after_request(_after_request)
