"""CSRF protection of every state-changing request of the gateway.

The token is an HMAC (SECRET_KEY; during a key rotation SECRET_KEY_PREVIOUS
is accepted too) of a secret only the user's browser holds:
the session cookie when logged in, otherwise a random HttpOnly cookie of its
own (anonymous forms: 注册, 登录, the intake pages). Forms carry it in a hidden
field (`{{ csrf_field() }}`), scripts in the X-CSRF-Token header (value from
`{{ csrf_token() }}`, also in <meta name="csrf-token"> of base.html). A
POST, PUT, PATCH or DELETE without a matching token gets 400.
"""
import hashlib
import hmac
import secrets

from flask import current_app, g, request
from markupsafe import Markup, escape
from werkzeug.exceptions import RequestEntityTooLarge

from gateway import auth
from gateway.errors import render_error

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SEED_COOKIE = "sme_csrf"
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
MESSAGE = "页面已过期或请求来源无法确认，请刷新页面后重新提交"
TOO_LARGE = "上传的文件过大，请压缩后重新上传"


def _sign(kind, value, key=None):
    key = str(key or current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _keys():
    """The current key, then those of SECRET_KEY_FALLBACKS: a form rendered
    before a key rotation is still accepted after it."""
    return [current_app.config["SECRET_KEY"], *current_app.config.get("SECRET_KEY_FALLBACKS", [])]


def _seed():
    seed = request.cookies.get(SEED_COOKIE) or g.get("new_csrf_seed")
    if not seed:
        seed = g.new_csrf_seed = secrets.token_urlsafe(32)
    return seed


def csrf_token():
    """The token for forms and scripts of this response."""
    if g.get("principal") is not None and auth.session_token():
        return _sign("s", auth.session_token())
    return _sign("a", _seed())


def csrf_field():
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(csrf_token())}">')


def _accepted():
    tokens = []
    for key in _keys():
        if auth.session_token():
            tokens.append(_sign("s", auth.session_token(), key))
        if request.cookies.get(SEED_COOKIE):
            tokens.append(_sign("a", request.cookies[SEED_COOKIE], key))
    return tokens


def protect():
    """before_request: refuse an unsafe request without a valid token."""
    if request.method not in UNSAFE or request.routing_exception is not None:
        return None  # nothing runs for an unknown path or method: Flask answers 404/405
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and getattr(view, "csrf_exempt", False):
        return None
    try:
        given = request.headers.get(HEADER) or request.form.get(FIELD) or ""
    except RequestEntityTooLarge:
        return render_error(413, TOO_LARGE)
    if not any(hmac.compare_digest(given, expected) for expected in _accepted()):
        return render_error(400, MESSAGE)
    return None


def exempt(view):
    view.csrf_exempt = True
    return view


def _after_request(response):
    seed = g.get("new_csrf_seed")
    if seed:
        response.set_cookie(
            SEED_COOKIE,
            seed,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


def init_app(app):
    app.before_request(protect)
    app.after_request(_after_request)
    app.jinja_env.globals.update(csrf_token=csrf_token, csrf_field=csrf_field)
