"""Portal pages of enterprise accounts: 注册, 登录, 退出, 用户中心 (profile,
password, contact), 忘记用户名, 忘记密码, 申诉, 个人信息处理规则.

The forms are the accounts service's rule tables, as it describes them
(ACCOUNTS_DESCRIBE_FORMS): the pages render those fields and post back what
the browser sent of them."""
from flask import flash, g, jsonify, redirect, render_template, request, url_for

from gateway import auth, client_ip, descriptions, rpc
from gateway.auth import login_required
from gateway.portal import bp
from gateway.uploads import stash
from services.common import contracts, uploads
from services.common.errors import RateLimited, ValidationFailed

CODE_PURPOSES = ("register", "reset_password", "change_phone", "appeal")


def page_form(name):
    """{"fields": [...], "uploads": [...]} of one account page."""
    return descriptions.part(descriptions.get(contracts.ACCOUNTS, contracts.ACCOUNTS_DESCRIBE_FORMS), name)


def submitted(form):
    """The form's fields the browser sent, as typed. A field missing from
    the post is not sent at all: the service keeps what it holds."""
    return {f["key"]: request.form.get(f["key"], "") for f in form["fields"] if f["key"] in request.form}


def form_values(form):
    """What the user typed, to show again (never passwords)."""
    return {f["key"]: request.form.get(f["key"], "") for f in form["fields"] if f["type"] != "password"}


def render_form(template, form, values, errors, status=None, **context):
    if status is None:
        status = 422 if errors else 200
    by_key = {f["key"]: f for f in form["fields"]}
    return (
        render_template(
            template, fields=form["fields"] + form["uploads"], by_key=by_key, values=values, errors=errors, **context
        ),
        status,
    )


# Fields a page sends with 获取验证码: the service checks each one it gets
# (FAQ 2.5: no code while the form shows a red error).
CODE_FORM_KEYS = ("username", "password", "password2", "name", "credit_code", "region_code", "contact_name",
                  "contact_phone", "new_phone", "who", "note")


def code_form(source):
    """The code form's fields from a posted form or a JSON body, as strings."""
    return {k: str(source.get(k) or "") for k in CODE_FORM_KEYS if k in source}


def send_code_from_form(purpose, values):
    """The no-script path of 获取验证码: (errors, notice)."""
    data = code_form(request.form)
    try:
        sent = rpc(contracts.ACCOUNTS, contracts.ACCOUNTS_REQUEST_CODE, purpose, data, client_ip())
    except ValidationFailed as exc:
        return exc.errors or {"sms_code": exc.message}, None
    except RateLimited as exc:
        return {"sms_code": exc.message}, None
    return {}, code_sent_message(sent)


def code_sent_message(sent):
    return f"验证码已发送至{sent['phone_masked']}，{sent['minutes']}分钟内有效"


# --- 登录 / 退出 ------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
def login():
    return auth.login_page(contracts.ENTERPRISE, "portal/login.html", url_for("portal.center"))


@bp.post("/logout")
def logout():
    auth.end_session(auth.session_token())
    target = url_for("console.login") if request.form.get("console") else url_for("portal.home")
    return auth.clear_session_cookie(redirect(target))


# --- 获取验证码 (script) -----------------------------------------------------
@bp.post("/sms-code")
def sms_code():
    body = request.get_json(silent=True) or {}
    purpose = body.get("purpose")
    if purpose not in CODE_PURPOSES:
        return jsonify({"error": "不支持的验证码用途"}), 400
    data = code_form(body)
    try:
        sent = rpc(contracts.ACCOUNTS, contracts.ACCOUNTS_REQUEST_CODE, purpose, data, client_ip())
    except ValidationFailed as exc:
        return jsonify({"error": exc.message, "errors": exc.errors}), 422
    except RateLimited as exc:
        response = jsonify({"error": exc.message})
        if exc.retry_after:
            response.headers["Retry-After"] = str(int(exc.retry_after))
        return response, 429
    return jsonify({"message": code_sent_message(sent)})


# --- 注册 ---------------------------------------------------------------------
@bp.route("/register", methods=["GET", "POST"])
def register():
    form = page_form("register")
    values, errors, notice = {}, {}, None
    if request.method == "POST":
        values = form_values(form)
        if request.form.get("action") == "send_code":
            errors, notice = send_code_from_form("register", values)
        else:
            data = submitted(form)
            try:
                licence_key = stash(request.files.get("licence"), uploads.LICENCE, "licence")
                result = rpc(contracts.ACCOUNTS, contracts.ACCOUNTS_REGISTER, data, licence_key, client_ip())
            except ValidationFailed as exc:
                errors = exc.errors or {"sms_code": exc.message}
            else:
                flash(f"注册成功，您的用户名是 {result['username']}，请登录", "info")
                return redirect(url_for("portal.login"))
    return render_form("portal/register.html", form, values, errors, notice=notice, status=422 if errors else 200)


@bp.get("/privacy")
def privacy():
    return render_template("portal/privacy.html")


# --- 忘记用户名 / 忘记密码 / 申诉 -------------------------------------------
@bp.route("/forgot-username", methods=["GET", "POST"])
def forgot_username():
    form = page_form("forgot_username")
    values, errors, done = {}, {}, None
    if request.method == "POST":
        values = form_values(form)
        try:
            done = rpc(contracts.ACCOUNTS, contracts.ACCOUNTS_FORGOT_USERNAME, submitted(form), client_ip())
        except ValidationFailed as exc:
            errors = exc.errors
        except RateLimited as exc:
            errors = {"contact_phone": exc.message}
    return render_form("portal/forgot_username.html", form, values, errors, done=done)


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = page_form("forgot_password")
    values, errors, notice = {}, {}, None
    if request.method == "POST":
        values = form_values(form)
        if request.form.get("action") == "send_code":
            errors, notice = send_code_from_form("reset_password", values)
        else:
            try:
                rpc(contracts.ACCOUNTS, contracts.ACCOUNTS_RESET_PASSWORD, submitted(form))
            except ValidationFailed as exc:
                errors = exc.errors or {"sms_code": exc.message}
            else:
                flash("密码已重置，请使用新密码登录", "info")
                return auth.clear_session_cookie(redirect(url_for("portal.login")))
    return render_form("portal/forgot_password.html", form, values, errors, notice=notice)


@bp.route("/appeal", methods=["GET", "POST"])
def appeal():
    form = page_form("appeal")
    values, errors, notice, done = {}, {}, None, False
    if request.method == "POST":
        values = form_values(form)
        if request.form.get("action") == "send_code":
            errors, notice = send_code_from_form("appeal", values)
        else:
            try:
                licence_key = stash(request.files.get("licence"), uploads.LICENCE, "licence")
                rpc(contracts.ACCOUNTS, contracts.ACCOUNTS_SUBMIT_APPEAL, submitted(form), licence_key)
            except ValidationFailed as exc:
                errors = exc.errors or {"sms_code": exc.message}
            else:
                done = True
    return render_form("portal/appeal.html", form, values, errors, notice=notice, done=done)


# --- 用户中心 -----------------------------------------------------------------
@bp.get("/center")
@login_required
def center():
    profile = rpc(contracts.ACCOUNTS, contracts.RPC_ENTERPRISE_SUMMARY, g.principal.id)
    return render_template("portal/center_profile.html", profile=profile, active="profile")


@bp.route("/center/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = page_form("change_password")
    errors = {}
    if request.method == "POST":
        try:
            result = rpc(contracts.ACCOUNTS, contracts.ACCOUNTS_CHANGE_PASSWORD, submitted(form))
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            auth.sessions_ended(g.principal.id)
            flash("密码已修改，其他设备上的登录已退出", "info")
            return auth.start_session(redirect(url_for("portal.center")), result["token"])
    return render_form("portal/center_password.html", form, {}, errors, active="password")


@bp.route("/center/contact", methods=["GET", "POST"])
@login_required
def change_contact():
    form = page_form("change_contact")
    profile = rpc(contracts.ACCOUNTS, contracts.RPC_ENTERPRISE_SUMMARY, g.principal.id)
    values = {"contact_name": profile["contact_name"]}
    errors, notice = {}, None
    if request.method == "POST":
        values = form_values(form)
        if request.form.get("action") == "send_code":
            errors, notice = send_code_from_form("change_phone", values)
        else:
            try:
                rpc(contracts.ACCOUNTS, contracts.ACCOUNTS_CHANGE_CONTACT, submitted(form))
            except ValidationFailed as exc:
                errors = exc.errors or {"sms_code": exc.message}
            else:
                flash("联系人已修改", "info")
                return redirect(url_for("portal.center"))
    return render_form(
        "portal/center_contact.html", form, values, errors, notice=notice, profile=profile, active="contact"
    )
