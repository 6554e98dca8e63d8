"""Portal pages of enterprise accounts: 注册, 登录, 退出, 用户中心 (profile,
password, contact), 忘记用户名, 忘记密码, 申诉, 个人信息处理规则."""
from flask import flash, g, jsonify, redirect, render_template, request, url_for

from gateway import auth, client_ip, rpc
from gateway.auth import login_required
from gateway.portal import bp
from gateway.uploads import stash
from services.accounts import forms
from services.common import contracts as c, uploads
from services.common.errors import RateLimited, ValidationFailed

CODE_PURPOSES = ("register", "reset_password", "change_phone", "appeal")


def submitted(schema):
    """Every field of the form as typed, to send to the service."""
    return {f.key: request.form.get(f.key, "") for f in schema}


def form_values(schema, skip=("password", "password2", "old_password")):
    """What the user typed, to show again (never passwords)."""
    return {f.key: request.form.get(f.key, "") for f in schema if f.key not in skip}


def described(schema, *extra):
    return schema.describe() + [{"key": k, "label": label} for k, label in extra]


def render_form(template, schema, values, errors, status=None, **context):
    if status is None:
        status = 422 if errors else 200
    return (
        render_template(
            template, fields=described(schema, ("licence", forms.LICENCE_LABEL)), by_key={
                f["key"]: f for f in schema.describe()
            }, values=values, errors=errors, **context
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
        sent = rpc(c.ACCOUNTS, "request_code", purpose, data, client_ip())
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
    return auth.login_page(c.ENTERPRISE, "portal/login.html", url_for("portal.center"))


@bp.post("/logout")
def logout():
    token = auth.session_token()
    if token:
        rpc(c.ACCOUNTS, "logout", token)
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
        sent = rpc(c.ACCOUNTS, "request_code", purpose, data, client_ip())
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
    schema = forms.REGISTRATION
    values, errors, notice = {}, {}, None
    if request.method == "POST":
        values = form_values(schema)
        if request.form.get("action") == "send_code":
            errors, notice = send_code_from_form("register", values)
        else:
            data = submitted(schema)
            try:
                licence_key = stash(request.files.get("licence"), uploads.LICENCE, "licence")
                result = rpc(c.ACCOUNTS, "register", data, licence_key, client_ip())
            except ValidationFailed as exc:
                errors = exc.errors or {"sms_code": exc.message}
            else:
                flash(f"注册成功，您的用户名是 {result['username']}，请登录", "info")
                return redirect(url_for("portal.login"))
    return render_form("portal/register.html", schema, values, errors, notice=notice, status=422 if errors else 200)


@bp.get("/privacy")
def privacy():
    return render_template("portal/privacy.html")


# --- 忘记用户名 / 忘记密码 / 申诉 -------------------------------------------
@bp.route("/forgot-username", methods=["GET", "POST"])
def forgot_username():
    schema = forms.FORGOT_USERNAME
    values, errors, done = {}, {}, None
    if request.method == "POST":
        values = form_values(schema)
        try:
            done = rpc(c.ACCOUNTS, "forgot_username", {k: request.form.get(k, "") for k in values}, client_ip())
        except ValidationFailed as exc:
            errors = exc.errors
        except RateLimited as exc:
            errors = {"contact_phone": exc.message}
    return render_form("portal/forgot_username.html", schema, values, errors, done=done)


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    schema = forms.FORGOT_PASSWORD_RESET
    values, errors, notice = {}, {}, None
    if request.method == "POST":
        values = form_values(schema)
        if request.form.get("action") == "send_code":
            errors, notice = send_code_from_form("reset_password", values)
        else:
            try:
                rpc(c.ACCOUNTS, "reset_password", submitted(schema))
            except ValidationFailed as exc:
                errors = exc.errors or {"sms_code": exc.message}
            else:
                flash("密码已重置，请使用新密码登录", "info")
                return auth.clear_session_cookie(redirect(url_for("portal.login")))
    return render_form("portal/forgot_password.html", schema, values, errors, notice=notice)


@bp.route("/appeal", methods=["GET", "POST"])
def appeal():
    schema = forms.APPEAL
    values, errors, notice, done = {}, {}, None, False
    if request.method == "POST":
        values = form_values(schema)
        if request.form.get("action") == "send_code":
            errors, notice = send_code_from_form("appeal", values)
        else:
            try:
                licence_key = stash(request.files.get("licence"), uploads.LICENCE, "licence")
                rpc(c.ACCOUNTS, "submit_appeal", submitted(schema), licence_key)
            except ValidationFailed as exc:
                errors = exc.errors or {"sms_code": exc.message}
            else:
                done = True
    return render_form("portal/appeal.html", schema, values, errors, notice=notice, done=done)


# --- 用户中心 -----------------------------------------------------------------
@bp.get("/center")
@login_required
def center():
    profile = rpc(c.ACCOUNTS, c.RPC_ENTERPRISE_SUMMARY, g.principal.id)
    return render_template("portal/center_profile.html", profile=profile, active="profile")


@bp.route("/center/password", methods=["GET", "POST"])
@login_required
def change_password():
    schema = forms.CHANGE_PASSWORD
    errors = {}
    if request.method == "POST":
        try:
            result = rpc(c.ACCOUNTS, "change_password", submitted(schema))
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            flash("密码已修改，其他设备上的登录已退出", "info")
            return auth.start_session(redirect(url_for("portal.center")), result["token"])
    return render_form("portal/center_password.html", schema, {}, errors, active="password")


@bp.route("/center/contact", methods=["GET", "POST"])
@login_required
def change_contact():
    schema = forms.CHANGE_CONTACT
    profile = rpc(c.ACCOUNTS, c.RPC_ENTERPRISE_SUMMARY, g.principal.id)
    values = {"contact_name": profile["contact_name"]}
    errors, notice = {}, None
    if request.method == "POST":
        values = form_values(schema)
        if request.form.get("action") == "send_code":
            errors, notice = send_code_from_form("change_phone", values)
        else:
            try:
                rpc(c.ACCOUNTS, "change_contact", submitted(schema))
            except ValidationFailed as exc:
                errors = exc.errors or {"sms_code": exc.message}
            else:
                flash("联系人已修改", "info")
                return redirect(url_for("portal.center"))
    return render_form(
        "portal/center_contact.html", schema, values, errors, notice=notice, profile=profile, active="contact"
    )
