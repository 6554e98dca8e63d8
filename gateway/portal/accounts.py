"""Portal pages of enterprise accounts: 注册, 登录, 退出, 用户中心, 忘记用户名,
忘记密码, 申诉."""
from flask import flash, g, redirect, render_template, request, url_for

from gateway import auth, rpc
from gateway.auth import login_required
from gateway.portal import bp
from services.common import contracts as c
from services.common.errors import Forbidden, RateLimited, Unauthenticated


def client_ip():
    return request.remote_addr or ""


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = auth.safe_next(request.values.get("next"), url_for("portal.center"))
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not username or not password:
            error = "请填写用户名和密码"
        else:
            try:
                result = rpc(c.ACCOUNTS, "login", username, password, c.ENTERPRISE, client_ip())
            except (Unauthenticated, Forbidden, RateLimited) as exc:
                error = exc.message
            else:
                old = auth.session_token()
                if old:
                    rpc(c.ACCOUNTS, "logout", old)
                return auth.start_session(redirect(next_url), result["token"])
    status = 200 if error is None else 401
    return render_template("portal/login.html", error=error, username=username, next=next_url), status


@bp.post("/logout")
def logout():
    token = auth.session_token()
    if token:
        rpc(c.ACCOUNTS, "logout", token)
    target = url_for("console.login") if request.form.get("console") else url_for("portal.home")
    return auth.clear_session_cookie(redirect(target))


@bp.get("/center")
@login_required
def center():
    profile = rpc(c.ACCOUNTS, "enterprise_summary", g.principal.id)
    return render_template("portal/center_profile.html", profile=profile, active="profile")
