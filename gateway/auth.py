"""Who is asking: the session cookie resolved to a principal, once per request.

The cookie holds an opaque random token; the accounts service keeps only its
hash and answers `resolve_session(token)` with the principal and a short view
of the account. Each gateway process keeps that answer for at most
SESSION_CACHE_SECONDS (default 5) — never past the session's absolute
lifetime — so a burst of pages makes one RPC, and a session ended anywhere
(退出, a password change, a disabled account) stops working in every process
within those seconds; in the process that ended it, at once
(docs/sessions.md). Before every request the gateway sets

- `g.principal`: a services.common.principal.Principal, or None (anonymous);
  gateway.rpc signs it into every RPC the request makes;
- `g.account`: {id, kind, username, display_name, region_code, level} or None.

`login_required` guards the enterprise portal (redirect to 登录 with ?next=),
`staff_required(*kinds)` the console (redirect to the console login).
"""
import collections
import functools
import hashlib
import threading
import time
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, url_for

from gateway.errors import render_error
from services.common import config as cfg
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


DEFAULT_CACHE_SECONDS = 5
MAX_CACHE_SECONDS = 30  # revocation must reach every process within seconds
MAX_CACHED = 10000


def cache_seconds(config=None):
    """SESSION_CACHE_SECONDS: 0 (ask accounts on every request) to 30."""
    raw = str(cfg.get(c.ENV_SESSION_CACHE_SECONDS, config, default=str(DEFAULT_CACHE_SECONDS))).strip()
    if not raw.isdigit() or int(raw) > MAX_CACHE_SECONDS:
        raise cfg.UnsafeConfiguration(
            f"{c.ENV_SESSION_CACHE_SECONDS} must be a whole number of seconds from 0 to {MAX_CACHE_SECONDS}, "
            f"not {raw!r}")
    return int(raw)


class SessionCache:
    """token → resolved session, per process, each answer for at most `ttl`
    seconds and never past the session's own end. Bounded: the oldest
    answers go first. `clock` is monotonic seconds (tests move it)."""

    def __init__(self, ttl, clock=time.monotonic, max_entries=MAX_CACHED):
        self.ttl = ttl
        self.clock = clock
        self.max_entries = max_entries
        self._entries = collections.OrderedDict()  # token hash -> (resolved, until)
        self._lock = threading.Lock()

    @staticmethod
    def _key(token):
        return hashlib.sha256(token.encode()).hexdigest()

    def get(self, token):
        """The resolved session while it is fresh, else None."""
        key = self._key(token)
        with self._lock:
            held = self._entries.get(key)
            if held is None:
                return None
            if self.clock() >= held[1]:
                del self._entries[key]
                return None
            return held[0]

    def put(self, token, resolved):
        if self.ttl <= 0:
            return
        lifetime = min(self.ttl, max(0, resolved.get("expires_in", self.ttl)))
        with self._lock:
            self._entries[self._key(token)] = (resolved, self.clock() + lifetime)
            self._entries.move_to_end(self._key(token))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, token):
        with self._lock:
            self._entries.pop(self._key(token), None)

    def forget_account(self, account_id):
        """Every cached session of one account (its password reset, disabled)."""
        with self._lock:
            for key in [k for k, (resolved, _) in self._entries.items() if resolved["account"]["id"] == account_id]:
                del self._entries[key]


def sessions():
    return current_app.extensions["sessions"]


def resolve(token):
    """The session of `token` from this process's cache, else from accounts."""
    cache = sessions()
    resolved = cache.get(token)
    if resolved is None:
        resolved = _rpc(c.ACCOUNTS, c.RPC_RESOLVE_SESSION, token)
        if resolved:
            cache.put(token, resolved)
    return resolved


def load_principal():
    """before_request: resolve the cookie (cached per process, see above)."""
    g.principal = None
    g.account = None
    token = session_token()
    if not token or request.endpoint in SKIP_ENDPOINTS:
        return
    resolved = resolve(token)
    if resolved:
        g.principal = Principal(**resolved["principal"])
        g.account = resolved["account"]
    else:
        g.clear_session_cookie = True


def end_session(token):
    """退出: the session ends at accounts and leaves this process's cache."""
    if token:
        sessions().forget(token)
        _rpc(c.ACCOUNTS, c.ACCOUNTS_LOGOUT, token)


def sessions_ended(account_id):
    """After accounts ended every session of an account (password changed or
    reset, account disabled): none stays in this process's cache."""
    sessions().forget_account(account_id)


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
                end_session(session_token())
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
    config = app.config.get("SERVICES_CONFIG")
    app.extensions["sessions"] = SessionCache(cache_seconds(config))
    app.before_request(load_principal)
    app.after_request(_after_request)
