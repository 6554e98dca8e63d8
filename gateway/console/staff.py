"""Console login and the admin's staff pages (人员管理)."""
from flask import flash, make_response, redirect, render_template, request, url_for

from gateway import auth, client_ip, descriptions, rpc
from gateway.auth import staff_required
from gateway.console import bp
from gateway.console.exports import log_export, send_workbook
from gateway.errors import render_error
from gateway.uploads import blob_store
from services.common import blobs, regions, uploads
from services.common import clock
from services.common import contracts as c
from services.common.errors import BadState, Conflict, RateLimited, ValidationFailed

KINDS = {c.REVIEWER: "审核人员", c.ADMIN: "管理员"}
LEVELS = {c.COUNTY: "区县", c.CITY: "设区市", c.PROVINCE: "省级"}


@bp.route("/login", methods=["GET", "POST"])
def login():
    from gateway.console.two_factor import second_step

    return auth.login_page("staff", "console/login.html", url_for("console.cases_inbox"), second_step=second_step)


@bp.post("/logout")
def logout():
    """退出 of the console: the session ends, back to the console's login."""
    auth.end_session(auth.session_token())
    return auth.clear_session_cookie(redirect(url_for("console.login")))


def _region_choices():
    choices = [(regions.PROVINCE, "江苏省")]
    for city in regions.tree():
        choices.append((city["code"], city["name"]))
        for county in city["counties"]:
            choices.append((county["code"], f"{city['name']} · {county['name']}"))
    return choices


@bp.get("/staff")
@staff_required(c.ADMIN)
def staff_list():
    people = rpc(c.ACCOUNTS, c.ACCOUNTS_LIST_STAFF)
    return render_template("console/staff_list.html", people=people, active="staff")


@bp.get("/staff/export")
@staff_required(c.ADMIN)
def staff_export():
    people = rpc(c.ACCOUNTS, c.ACCOUNTS_LIST_STAFF)
    log_export(c.ACCOUNTS, "export.list", "人员列表")
    return send_workbook(
        "人员", ["用户名", "姓名", "角色", "审核级别", "地区", "所属部门", "状态", "创建时间"],
        ([p["username"], p["name"], p["kind_label"], p["level_label"], p["region_name"], p.get("office"),
          "已停用" if p["disabled"] else "正常", clock.show(p["created_at"], clock.SECOND_FORMAT)] for p in people),
        "人员列表",
    )


@bp.route("/staff/new", methods=["GET", "POST"])
@staff_required(c.ADMIN)
def staff_new():
    values, errors, summary = {}, {}, None
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in ("username", "name", "kind", "level", "region_code")}
        password = request.form.get("password", "")
        try:
            rpc(
                c.ACCOUNTS,
                c.ACCOUNTS_CREATE_STAFF,
                values["username"],
                password,
                values["name"],
                values["kind"],
                values["level"] or None,
                values["region_code"] or None,
            )
        except ValidationFailed as exc:
            summary, errors = exc.message, exc.errors
        except Conflict as exc:
            summary, errors = exc.message, {"username": exc.message}
        else:
            flash(f"已创建人员账号：{values['username']}", "info")
            return redirect(url_for("console.staff_list"))
    status = 422 if summary else 200
    return (
        render_template(
            "console/staff_new.html",
            values=values,
            errors=errors,
            summary=summary,
            kinds=KINDS,
            levels=LEVELS,
            region_choices=_region_choices(),
            active="staff",
        ),
        status,
    )


@bp.post("/staff/<account_id>/disable")
@staff_required(c.ADMIN)
def staff_disable(account_id):
    disabled = request.form.get("disabled", "1") == "1"
    try:
        person = rpc(c.ACCOUNTS, c.ACCOUNTS_SET_STAFF_DISABLED, account_id, disabled)
    except ValidationFailed as exc:
        flash(exc.message, "error")
    else:
        auth.sessions_ended(account_id)
        flash(f"已{'停用' if disabled else '启用'}：{person['username']}", "info")
    return redirect(url_for("console.staff_list"))


@bp.route("/staff/<account_id>/password", methods=["GET", "POST"])
@staff_required(c.ADMIN)
def staff_password(account_id):
    people = {p["id"]: p for p in rpc(c.ACCOUNTS, c.ACCOUNTS_LIST_STAFF)}
    person = people.get(account_id)
    if person is None:
        return redirect(url_for("console.staff_list"))
    error = None
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("password2", ""):
            error = "两次输入的密码不一致"
        else:
            try:
                rpc(c.ACCOUNTS, c.ACCOUNTS_RESET_STAFF_PASSWORD, account_id, password)
            except ValidationFailed as exc:
                error = exc.message
            else:
                auth.sessions_ended(account_id)
                flash(f"已重置密码：{person['username']}（该人员需用新密码重新登录）", "info")
                return redirect(url_for("console.staff_list"))
    return (
        render_template("console/staff_password.html", person=person, error=error, active="staff"),
        422 if error else 200,
    )


# --- 申诉处理 -------------------------------------------------------------------
@bp.get("/appeals")
@staff_required(c.ADMIN)
def appeals():
    rows = rpc(c.ACCOUNTS, c.ACCOUNTS_LIST_APPEALS)
    return render_template("console/staff_appeals.html", appeals=rows, active="appeals")


@bp.get("/appeals/export")
@staff_required(c.ADMIN)
def appeals_export():
    rows = rpc(c.ACCOUNTS, c.ACCOUNTS_LIST_APPEALS)
    log_export(c.ACCOUNTS, "export.list", "申诉列表")
    return send_workbook(
        "申诉", ["提交时间", "统一社会信用代码", "企业", "新联系人", "新联系手机", "申诉说明", "状态", "处理意见"],
        ([clock.show(a["created_at"], clock.SECOND_FORMAT), a["credit_code"], a["enterprise_name"], a["contact_name"], a["new_phone"],
          a["note"], a["status_label"], a["settle_note"]] for a in rows),
        "申诉列表",
    )


@bp.route("/appeals/<appeal_id>", methods=["GET", "POST"])
@staff_required(c.ADMIN)
def appeal(appeal_id):
    error = None
    if request.method == "POST":
        accept = request.form.get("decision") == "accept"
        note = request.form.get("note", "")
        try:
            settled = rpc(c.ACCOUNTS, c.ACCOUNTS_SETTLE_APPEAL, appeal_id, accept, note)
        except (BadState, ValidationFailed) as exc:
            error = exc.message
        else:
            if accept and settled.get("enterprise_id"):
                auth.sessions_ended(settled["enterprise_id"])  # the contact changed: its sessions ended
            flash("申诉已处理" + ("：联系手机已更换，用户名已短信发送至新手机" if accept else "：不予通过"), "info")
            return redirect(url_for("console.appeals"))
    item = rpc(c.ACCOUNTS, c.ACCOUNTS_GET_APPEAL, appeal_id)
    return (
        render_template("console/staff_appeal.html", appeal=item, error=error, active="appeals"),
        409 if error else 200,
    )


@bp.get("/appeals/<appeal_id>/licence/<which>")
@staff_required(c.ADMIN)
def appeal_licence(appeal_id, which):
    item = rpc(c.ACCOUNTS, c.ACCOUNTS_GET_APPEAL, appeal_id)
    key = item["licence_key"] if which == "appeal" else item["enterprise_licence_key"]
    if not key:
        return render_error(404, "未找到营业执照图片")

    try:
        data = blob_store().get(key)
    except blobs.BlobNotFound:
        return render_error(404, "未找到营业执照图片")
    response = make_response(data)
    response.headers["Content-Type"] = uploads.sniff(data) or "application/octet-stream"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- 我的手机: a verified phone for the daily digest of one's office -----------
@bp.route("/phone", methods=["GET", "POST"])
@staff_required()
def staff_phone():
    """The staff member's own phone: 获取验证码, then the code typed back
    (保存). The office's daily digest goes to verified phones only."""
    form = descriptions.part(descriptions.get(c.ACCOUNTS, c.ACCOUNTS_DESCRIBE_FORMS), "staff_phone")
    values, errors, notice = {}, {}, None
    if request.method == "POST":
        values = {"phone": request.form.get("phone", "")}
        data = {f["key"]: request.form[f["key"]] for f in form["fields"] if f["key"] in request.form}
        try:
            if request.form.get("action") == "send_code":
                sent = rpc(c.ACCOUNTS, c.ACCOUNTS_REQUEST_STAFF_PHONE_CODE, data, client_ip())
                notice = f"验证码已发送至{sent['phone_masked']}，{sent['minutes']}分钟内有效"
            else:
                rpc(c.ACCOUNTS, c.ACCOUNTS_CONFIRM_STAFF_PHONE, data)
                flash("手机号码已验证", "info")
                return redirect(url_for("console.staff_phone"))
        except ValidationFailed as exc:
            errors = exc.errors or {"sms_code": exc.message}
        except RateLimited as exc:
            errors = {"phone": exc.message}
    current = rpc(c.ACCOUNTS, c.ACCOUNTS_STAFF_PHONE)
    page = render_template(
        "console/staff_phone.html", fields={f["key"]: f for f in form["fields"]}, values=values, errors=errors,
        notice=notice, current=current, verified_at=clock.show(current["verified_at"], clock.SECOND_FORMAT), active="phone",
    )
    return page, 422 if errors else 200
