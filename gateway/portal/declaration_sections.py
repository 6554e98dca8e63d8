"""The section pages of a declaration: 申请表, and the list sections 主要人员,
合作服务机构 and 服务台账 (rows added, edited, deleted; the 服务台账 also from
Excel). Each page reads its one section (section_view) and draws its form
from the sections' description; each 保存, 删除 and 导入 is one call, and
the declarations service refuses it when the caller does not own the
declaration or may not change it now (the page says why)."""
import io

from flask import abort, flash, redirect, request, send_file, url_for

from gateway import descriptions, notices, rpc
from gateway.auth import login_required
from gateway.portal import bp
from gateway.portal.declaration_attachments import attachments_page
from gateway.portal.declaration_base import (
    APPLICATION, ATTACHMENTS, BASE, LEDGER, TENANTS, described, editable_or_view, idem, new_key, part, render,
    section_view, to_view,
)
from gateway.uploads import stash
from services.common import contracts as c
from services.common import spreadsheets, uploads
from services.common.errors import BadState, NotFound, ValidationFailed

ROW_GONE = "未找到该条记录，可能已被删除"  # the service's answer for a row deleted already
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def posted(section):
    """The fields of `section` the form carried (docs/descriptions.md)."""
    return descriptions.posted(described(), request.form, section)


def list_part(section):
    """The described list section; 404 for any other."""
    found = part(section)
    if not found.get("list"):
        abort(404)
    return found


def application_page(declaration_id, values=None, errors=None):
    view = section_view(declaration_id, APPLICATION)
    redirect_to = editable_or_view(view)
    if redirect_to:
        return redirect_to
    fields = part(APPLICATION, view["description_hash"])["fields"]
    return render("portal/sections/application.html", 422 if errors else 200, d=view, fields=fields,
                  values=view["values"] if values is None else values, errors=errors or {},
                  idempotency_key=new_key(), section=APPLICATION, prefilled=view["prefilled"])


@bp.route(BASE + "/<declaration_id>/sections/application", methods=["GET", "POST"])
@login_required
def section_application(declaration_id):
    if request.method == "GET":
        return application_page(declaration_id)
    values = posted(APPLICATION)
    try:
        rpc(c.DECLARATIONS, c.DECLARATIONS_SAVE_SECTION, declaration_id, APPLICATION, values,
            idempotency_key=idem())
    except BadState as exc:  # not editable now, or past the deadline
        return to_view(declaration_id, exc.message)
    except ValidationFailed as exc:
        return application_page(declaration_id, values, exc.errors or {"base_name": exc.message})
    return redirect(url_for("portal.declaration_main", declaration_id=declaration_id,
                            **notices.done("application-saved")))


# --- list sections --------------------------------------------------------------


def list_page(declaration_id, section, import_errors=None):
    view = section_view(declaration_id, section)
    redirect_to = editable_or_view(view)
    if redirect_to:
        return redirect_to
    return render("portal/sections/list.html", 422 if import_errors else 200, d=view, section=section,
                  fields=part(section, view["description_hash"])["fields"], rows=view["rows"],
                  idempotency_key=new_key(), import_errors=import_errors)


@bp.get(BASE + "/<declaration_id>/sections/<section>")
@login_required
def section_list(declaration_id, section):
    if section == TENANTS:  # the tenants area's page (QR code, entries)
        return redirect(url_for("portal.tenants_section", declaration_id=declaration_id))
    if section == ATTACHMENTS:
        return attachments_page(declaration_id)
    list_part(section)
    return list_page(declaration_id, section)


def row_page(declaration_id, section, row_id, values=None, errors=None):
    view = section_view(declaration_id, section)
    redirect_to = editable_or_view(view)
    if redirect_to:
        return redirect_to
    if values is None and row_id is not None:
        values = next((r for r in view["rows"] if r.get("id") == row_id), None)
        if values is None:
            flash("未找到该条记录，可能已被删除", "error")
            return redirect(url_for("portal.section_list", declaration_id=declaration_id, section=section))
    return render("portal/sections/row.html", 422 if errors else 200, d=view, section=section, row_id=row_id,
                  fields=part(section, view["description_hash"])["fields"], values=values or {},
                  errors=errors or {}, idempotency_key=new_key())


@bp.route(BASE + "/<declaration_id>/sections/<section>/new", methods=["GET", "POST"])
@bp.route(BASE + "/<declaration_id>/sections/<section>/<row_id>/edit", methods=["GET", "POST"])
@login_required
def section_row(declaration_id, section, row_id=None):
    list_part(section)
    if request.method == "GET":
        return row_page(declaration_id, section, row_id)
    values = posted(section)
    try:
        rpc(c.DECLARATIONS, c.DECLARATIONS_SAVE_ROW, declaration_id, section, values, row_id=row_id,
            idempotency_key=idem())
    except BadState as exc:
        return to_view(declaration_id, exc.message)
    except NotFound as exc:
        if row_id is None:
            raise
        flash(exc.message, "error")  # the row was deleted meanwhile
        return redirect(url_for("portal.section_list", declaration_id=declaration_id, section=section))
    except ValidationFailed as exc:
        return row_page(declaration_id, section, row_id, values, exc.errors or {})
    return redirect(url_for("portal.section_list", declaration_id=declaration_id, section=section,
                            **notices.done("saved")))


@bp.post(BASE + "/<declaration_id>/sections/<section>/<row_id>/delete")
@login_required
def section_row_delete(declaration_id, section, row_id):
    list_part(section)
    try:
        rpc(c.DECLARATIONS, c.DECLARATIONS_DELETE_ROW, declaration_id, section, row_id, idempotency_key=idem())
    except BadState as exc:
        return to_view(declaration_id, exc.message)
    except NotFound as exc:
        if exc.message != ROW_GONE:
            raise  # not the caller's declaration
        # deleted already (a repeated click)
    return redirect(url_for("portal.section_list", declaration_id=declaration_id, section=section,
                            **notices.done("deleted")))


# --- 服务台账 from Excel ------------------------------------------------------------


@bp.get(BASE + "/<declaration_id>/sections/ledger/template.xlsx")
@login_required
def ledger_template(declaration_id):
    """The import template, drawn from the ledger's described fields."""
    data = spreadsheets.import_template(part(LEDGER))
    return send_file(io.BytesIO(data), as_attachment=True, download_name="服务台账导入模板.xlsx", mimetype=XLSX)


@bp.post(BASE + "/<declaration_id>/sections/ledger/import")
@login_required
def ledger_import_upload(declaration_id):
    try:
        key = stash(request.files.get("file"), uploads.LEDGER)
    except ValidationFailed as exc:
        return list_page(declaration_id, LEDGER, {"imported": 0, "message": exc.message, "errors": []})
    if key is None:
        return list_page(declaration_id, LEDGER,
                         {"imported": 0, "message": "请选择要导入的Excel文件（.xlsx）", "errors": []})
    try:
        result = rpc(c.DECLARATIONS, c.DECLARATIONS_IMPORT_LEDGER, declaration_id, key,
                     mode=request.form.get("mode") or None, idempotency_key=idem())
    except BadState as exc:
        return to_view(declaration_id, exc.message)
    if "skipped" not in result:
        return list_page(declaration_id, LEDGER, result)
    flash(import_message(result), "success" if result["imported"] else "info")
    return redirect(url_for("portal.section_list", declaration_id=declaration_id, section=LEDGER))


def import_message(result):
    """What an import did, said plainly (nothing duplicated silently)."""
    parts = [f"已导入{result['imported']}条服务台账"]
    if result.get("replaced"):
        parts.append(f"原有的{result['replaced']}条已被替换")
    if result.get("skipped"):
        parts.append(f"另有{result['skipped']}条与已有记录完全相同，未重复导入")
    return "，".join(parts) + f"；服务台账现共{result['count']}条。"
