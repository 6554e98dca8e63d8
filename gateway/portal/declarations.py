"""用户中心 → 双创基地 → 认定申报: the enterprise's declarations, 开始申报 →
申报须知和真实性承诺 → 下一步, the main data page, one page per section with
保存, 提交 with its checks, and 查看 with the history."""
import io
import uuid

from flask import abort, flash, g, jsonify, redirect, render_template, request, send_file, url_for

from gateway import rpc
from gateway.auth import login_required
from gateway.portal import bp
from gateway.rpc import ServiceUnavailable
from gateway.uploads import blob_store, stash
from services.common import blobs, regions, uploads
from services.common import contracts as c
from services.common.errors import BadState, NotFound, ServiceError, ValidationFailed
from services.declarations import ledger_import
from services.declarations import sections as s

BASE = "/center/declarations"
IDLE_SECONDS = 30 * 60  # the accounts service ends a session after 30 idle minutes


def new_key():
    return uuid.uuid4().hex


def idem():
    """The idempotency key a form carries (a retried POST acts once)."""
    key = request.form.get("idempotency_key", "").strip()
    return key or None


def fields_of(section):
    return s.fields(section)


def form_values(section):
    values = {}
    for f in s.SCHEMAS[section]:
        if f.kind == "multichoice":
            values[f.key] = request.form.getlist(f.key)
        else:
            values[f.key] = request.form.get(f.key, "")
    return values


def load(declaration_id):
    return rpc(c.DECLARATIONS, "get", declaration_id)


def editable_or_view(declaration):
    if not declaration["editable"] and not declaration.get("closed"):  # closed: read-only pages
        flash(f"申报当前状态为“{declaration['state_label']}”，不能修改。", "info")
        return redirect(url_for("portal.declaration_view", declaration_id=declaration["id"]))
    return None


def render(template, status=200, **context):
    context.setdefault("active", "declarations")
    context.setdefault("idle_seconds", IDLE_SECONDS)
    context.setdefault("labels", s.STATE_LABELS)
    context.setdefault("region_name", regions.full_name)
    return render_template(template, **context), status


def tenant_overview(declaration_id):
    """(entries, totals) from the tenants service; (None, None) when it does
    not answer (the page says so)."""
    try:
        entries = rpc(c.TENANTS, "list_entries", declaration_id)
        totals = rpc(c.TENANTS, "totals", declaration_id)
    except (ServiceUnavailable, ServiceError):
        return None, None
    return entries, totals


ACTORS = {c.ENTERPRISE: "申报企业", c.ADMIN: "管理员", c.REVIEWER: "工信部门"}
LEVEL_ACTORS = {c.COUNTY: "区县工信部门", c.CITY: "设区市工信局", c.PROVINCE: "省工信厅",
                c.ADMIN_RETURN_LEVEL: "管理员"}


@bp.app_template_filter("decl_time")
def decl_time(value):
    """An ISO time as Beijing time, e.g. 2026-11-28 14:05."""
    import datetime as dt

    if not value:
        return ""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")


@bp.app_template_filter("decl_actor")
def decl_actor(transition):
    if transition["actor_kind"] == c.ENTERPRISE:
        return ACTORS[c.ENTERPRISE]
    if transition.get("level") in LEVEL_ACTORS and transition["to_state"] != c.PENDING_STATE_OF_LEVEL.get(transition.get("level")):
        return LEVEL_ACTORS[transition["level"]]
    if transition["to_state"] in (c.PENDING_CITY, c.PENDING_PROVINCE):
        previous = {c.PENDING_CITY: c.COUNTY, c.PENDING_PROVINCE: c.CITY}[transition["to_state"]]
        return LEVEL_ACTORS[previous]
    return ACTORS.get(transition["actor_kind"], "系统")


# --- the list and 开始申报 ---------------------------------------------------


@bp.get(BASE)
@login_required
def declarations():
    mine = rpc(c.DECLARATIONS, "list_mine")
    open_batches = rpc(c.DECLARATIONS, "list_open_batches")
    started = {d["batch_id"] for d in mine}
    startable = [b for b in open_batches if b["id"] not in started]
    return render("portal/declarations.html", declarations=mine, startable=startable)


@bp.route(BASE + "/start/<batch_id>", methods=["GET", "POST"])
@login_required
def declaration_start(batch_id):
    batch = rpc(c.DECLARATIONS, "get_batch", batch_id)
    error = None
    if request.method == "POST":
        accepted = request.form.get("accept") == "1"
        if not accepted:
            error = "请阅读申报须知，并勾选真实性承诺后再点击“下一步”"
        else:
            profile = {}
            try:
                summary = rpc(c.ACCOUNTS, "enterprise_summary", g.principal.id)
                profile = {
                    "enterprise_name": summary.get("name"), "credit_code": summary.get("credit_code"),
                    "region_code": summary.get("region_code"), "contact_name": summary.get("contact_name"),
                    "contact_mobile": summary.get("contact_phone"),
                }
            except (ServiceUnavailable, ServiceError):
                profile = {}  # prefill is a convenience; the form asks anyway
            try:
                started = rpc(c.DECLARATIONS, "start", batch_id, accepted=True, profile=profile,
                              idempotency_key=idem())
            except (BadState, ServiceError) as exc:
                if isinstance(exc, ValidationFailed):
                    error = exc.message
                else:
                    flash(exc.message, "error")
                    return redirect(url_for("portal.declarations"))
            else:
                return redirect(url_for("portal.declaration_main", declaration_id=started["id"]))
    return render("portal/declarations_start.html", 422 if error else 200, batch=batch, error=error,
                  idempotency_key=new_key())


# --- the main data page ---------------------------------------------------------


@bp.get(BASE + "/<declaration_id>")
@login_required
def declaration_main(declaration_id):
    d = load(declaration_id)
    redirect_to = editable_or_view(d)
    if redirect_to:
        return redirect_to
    entries, totals = tenant_overview(declaration_id)
    states = d["section_states"]
    mismatch = None
    if totals is not None:
        count = totals.get("count", 0)
        stated = (d["sections"].get(s.APPLICATION) or {}).get("tenant_count")
        state = s.COMPLETED if count else s.NOT_STARTED
        if isinstance(stated, int) and stated != count:
            state = s.HAS_PROBLEMS
            mismatch = (f"入驻企业已填报 {count} 家，申请表中的入驻企业数为 {stated} 家，两者不一致："
                        "请邀请其余入驻企业扫码填报，或修改申请表中的入驻企业数后再提交。")
        states[s.TENANTS] = {
            "state": state,
            "label": s.STATE_LABELS[state],
            "progress": f"{count} / {stated} 家已填报" if isinstance(stated, int) else f"{count} 家已填报",
        }
    else:
        states[s.TENANTS] = {"state": None, "label": "暂时无法获取", "progress": ""}
    return render("portal/declarations_main.html", d=d, states=states, order=s.ORDER, tenant_mismatch=mismatch)


@bp.get(BASE + "/keepalive")
@login_required
def declaration_keepalive():
    """A request that keeps the session alive (the idle warning's 继续登录)."""
    return jsonify({"ok": True, "idle_seconds": IDLE_SECONDS})


# --- 申请表 -------------------------------------------------------------------


@bp.route(BASE + "/<declaration_id>/sections/application", methods=["GET", "POST"])
@login_required
def section_application(declaration_id):
    d = load(declaration_id)
    redirect_to = editable_or_view(d)
    if redirect_to:
        return redirect_to
    values = d["sections"][s.APPLICATION]
    errors = {}
    if request.method == "POST":
        values = form_values(s.APPLICATION)
        try:
            rpc(c.DECLARATIONS, "save_section", declaration_id, s.APPLICATION, values, idempotency_key=idem())
        except ValidationFailed as exc:
            errors = exc.errors or {"base_name": exc.message}
        else:
            flash("申请表已保存", "success")
            return redirect(url_for("portal.declaration_main", declaration_id=declaration_id, saved=1))
    return render("portal/sections/application.html", 422 if errors else 200, d=d, fields=fields_of(s.APPLICATION),
                  values=values, errors=errors, idempotency_key=new_key(), section=s.APPLICATION,
                  prefilled=d.get("prefilled") or [])


# --- list sections --------------------------------------------------------------


def list_section(section):
    if section not in s.LIST_SECTIONS:
        abort(404)
    return section


@bp.get(BASE + "/<declaration_id>/sections/<section>")
@login_required
def section_list(declaration_id, section):
    if section == s.TENANTS:  # the tenants area's page (QR code, entries)
        return redirect(url_for("portal.tenants_section", declaration_id=declaration_id))
    if section == s.ATTACHMENTS:
        return section_attachments(declaration_id)
    list_section(section)
    d = load(declaration_id)
    redirect_to = editable_or_view(d)
    if redirect_to:
        return redirect_to
    return render("portal/sections/list.html", d=d, section=section, fields=fields_of(section),
                  rows=d["sections"][section], idempotency_key=new_key(), import_errors=None)


@bp.route(BASE + "/<declaration_id>/sections/<section>/new", methods=["GET", "POST"])
@bp.route(BASE + "/<declaration_id>/sections/<section>/<row_id>/edit", methods=["GET", "POST"])
@login_required
def section_row(declaration_id, section, row_id=None):
    list_section(section)
    d = load(declaration_id)
    redirect_to = editable_or_view(d)
    if redirect_to:
        return redirect_to
    values, errors = {}, {}
    if row_id is not None:
        values = next((r for r in d["sections"][section] if r.get("id") == row_id), None)
        if values is None:
            flash("未找到该条记录，可能已被删除", "error")
            return redirect(url_for("portal.section_list", declaration_id=declaration_id, section=section))
    if request.method == "POST":
        values = form_values(section)
        try:
            rpc(c.DECLARATIONS, "save_row", declaration_id, section, values, row_id=row_id, idempotency_key=idem())
        except ValidationFailed as exc:
            errors = exc.errors or {}
        else:
            flash("已保存", "success")
            return redirect(url_for("portal.section_list", declaration_id=declaration_id, section=section, saved=1))
    return render("portal/sections/row.html", 422 if errors else 200, d=d, section=section, row_id=row_id,
                  fields=fields_of(section), values=values, errors=errors, idempotency_key=new_key())


@bp.post(BASE + "/<declaration_id>/sections/<section>/<row_id>/delete")
@login_required
def section_row_delete(declaration_id, section, row_id):
    list_section(section)
    try:
        rpc(c.DECLARATIONS, "delete_row", declaration_id, section, row_id, idempotency_key=idem())
    except NotFound:
        pass  # deleted already (a repeated click)
    flash("已删除", "success")
    return redirect(url_for("portal.section_list", declaration_id=declaration_id, section=section))


@bp.get(BASE + "/<declaration_id>/sections/ledger/template.xlsx")
@login_required
def ledger_template(declaration_id):
    return send_file(io.BytesIO(ledger_import.template()), as_attachment=True,
                     download_name="服务台账导入模板.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.post(BASE + "/<declaration_id>/sections/ledger/import")
@login_required
def ledger_import_upload(declaration_id):
    d = load(declaration_id)
    redirect_to = editable_or_view(d)
    if redirect_to:
        return redirect_to
    mode = request.form.get("mode") or None
    try:
        key = stash(request.files.get("file"), uploads.LEDGER)
    except ValidationFailed as exc:
        key, result = None, {"imported": 0, "message": exc.message, "errors": []}
    else:
        result = {"imported": 0, "message": "请选择要导入的Excel文件（.xlsx）", "errors": []}
    if key is not None:
        result = rpc(c.DECLARATIONS, "import_ledger", declaration_id, key, mode=mode, idempotency_key=idem())
    if "skipped" in result:
        flash(import_message(result), "success" if result["imported"] else "info")
        return redirect(url_for("portal.section_list", declaration_id=declaration_id, section=s.LEDGER))
    return render("portal/sections/list.html", 422, d=d, section=s.LEDGER, fields=fields_of(s.LEDGER),
                  rows=d["sections"][s.LEDGER], idempotency_key=new_key(), import_errors=result)


def import_message(result):
    """What an import did, said plainly (nothing duplicated silently)."""
    parts = [f"已导入{result['imported']}条服务台账"]
    if result.get("replaced"):
        parts.append(f"原有的{result['replaced']}条已被替换")
    if result.get("skipped"):
        parts.append(f"另有{result['skipped']}条与已有记录完全相同，未重复导入")
    return "，".join(parts) + f"；服务台账现共{result['count']}条。"


# --- 附件 --------------------------------------------------------------------------


def section_attachments(declaration_id, errors=None, status=200):
    d = load(declaration_id)
    return render("portal/sections/attachments.html", status, d=d, categories=s.ATTACHMENT_CATEGORIES,
                  errors=errors or {}, idempotency_key=new_key())


@bp.post(BASE + "/<declaration_id>/sections/attachments")
@login_required
def attachment_upload(declaration_id):
    """An attachment; the page's script (progress bar) asks for a JSON answer."""
    by_script = request.headers.get("X-Upload-Progress") == "1"
    category = request.form.get("category", "")
    errors = None
    try:
        key = stash(request.files.get("file"), uploads.ATTACHMENT)
    except ValidationFailed as exc:
        key, errors = None, exc.errors or {"file": exc.message}
    if key is None and errors is None:
        errors = {"file": "请选择要上传的文件"}
    elif key is not None:
        try:
            rpc(c.DECLARATIONS, "add_attachment", declaration_id, category, key,
                request.files["file"].filename, idempotency_key=idem())
        except ValidationFailed as exc:
            errors = exc.errors or {"file": exc.message}
    if errors:
        if by_script:
            return jsonify({"error": "上传失败", "errors": errors}), 422
        return section_attachments(declaration_id, errors, 422)
    flash("附件已上传", "success")
    target = url_for("portal.section_list", declaration_id=declaration_id, section=s.ATTACHMENTS)
    return jsonify({"redirect": target}) if by_script else redirect(target)


@bp.post(BASE + "/<declaration_id>/attachments/<attachment_id>/delete")
@login_required
def attachment_delete(declaration_id, attachment_id):
    try:
        rpc(c.DECLARATIONS, "delete_attachment", attachment_id, idempotency_key=idem())
    except NotFound:
        pass
    flash("附件已删除", "success")
    return redirect(url_for("portal.section_list", declaration_id=declaration_id, section=s.ATTACHMENTS))


@bp.get(BASE + "/attachments/<attachment_id>")
def attachment_download(attachment_id):
    """The file, for its enterprise or a reviewer whose scope covers it (the
    service decides)."""
    if g.get("principal") is None:
        return redirect(url_for("portal.login", next=request.path))
    meta = rpc(c.DECLARATIONS, "attachment", attachment_id)
    try:
        data = blob_store().get(meta["blob_key"])
    except blobs.BlobNotFound:
        abort(404)
    response = send_file(io.BytesIO(data), mimetype=meta["content_type"], as_attachment=True,
                         download_name=meta["filename"])
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- 提交 ---------------------------------------------------------------------------


def grouped(problems):
    out = {}
    for p in problems:
        out.setdefault(p["section"], []).append(p)
    return [(key, out[key]) for key in s.ORDER if key in out]


@bp.get(BASE + "/<declaration_id>/submit")
@login_required
def declaration_submit(declaration_id):
    d = load(declaration_id)
    redirect_to = editable_or_view(d)
    if redirect_to:
        return redirect_to
    check = rpc(c.DECLARATIONS, "preflight", declaration_id)
    blocking = [p for p in check["problems"] if p["blocking"]]
    warnings = [p for p in check["problems"] if not p["blocking"]]
    return render("portal/declarations_submit.html", d=d, blocking=grouped(blocking), warnings=grouped(warnings),
                  figures=check["figures"], idempotency_key=new_key(), order=s.ORDER,
                  schemas={k: fields_of(k) for k in s.SCHEMAS})


@bp.post(BASE + "/<declaration_id>/submit")
@login_required
def declaration_submit_post(declaration_id):
    try:
        result = rpc(c.DECLARATIONS, "submit", declaration_id, idempotency_key=idem())
    except BadState as exc:
        flash(exc.message, "error")
        return redirect(url_for("portal.declaration_view", declaration_id=declaration_id))
    if result["submitted"]:
        return redirect(url_for("portal.declaration_submitted", declaration_id=declaration_id))
    d = load(declaration_id)
    blocking = [p for p in result["problems"] if p["blocking"]]
    warnings = [p for p in result["problems"] if not p["blocking"]]
    return render("portal/declarations_submit.html", 422, d=d, blocking=grouped(blocking),
                  warnings=grouped(warnings), figures=None, idempotency_key=new_key(), order=s.ORDER,
                  schemas={k: fields_of(k) for k in s.SCHEMAS})


@bp.get(BASE + "/<declaration_id>/submitted")
@login_required
def declaration_submitted(declaration_id):
    d = load(declaration_id)
    return render("portal/declarations_done.html", d=d)


# --- 查看 -------------------------------------------------------------------------


@bp.get(BASE + "/<declaration_id>/view")
@login_required
def declaration_view(declaration_id):
    d = load(declaration_id)
    entries, totals = tenant_overview(declaration_id)
    return render("portal/declarations_view.html", d=d, entries=entries, totals=totals,
                  schemas={k: fields_of(k) for k in s.SCHEMAS}, order=s.ORDER)
