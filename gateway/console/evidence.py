"""The evidence of a case for the 工信 offices: 打印申请表 (the PDF of the
submitted version), all 附件 of that version as one zip, and the 入驻企业名单
as it was at 提交, shown on the case page and exported to Excel. The services
decide who may have each; a refusal comes back to the case page as a message."""
from functools import wraps

from flask import flash, redirect, request, url_for
from nameko.exceptions import MethodNotFound, RemoteError

from gateway import documents, rpc
from gateway.auth import staff_required
from gateway.console import bp
from gateway.console.exports import log_export
from gateway.rpc import ServiceUnavailable
from services.common import contracts as c
from services.common.errors import BadState, NotFound, ServiceError


def back_to_case_on_refusal(view):
    @wraps(view)
    def wrapper(declaration_id):
        try:
            return view(declaration_id)
        except BadState as exc:
            flash(exc.message, "error")
            return redirect(url_for("console.case_page", declaration_id=declaration_id) + "#evidence")
    return wrapper


def version_asked():
    """The version a case page links to (the one it shows), or None (the latest)."""
    value = request.args.get("version", "")
    return int(value) if value.isdigit() else None


def submitted_roll(declaration_id, version=None):
    """The 入驻企业名单 as submitted for the case page; None while the tenants
    service has not recorded it, False when it cannot answer now."""
    try:
        return rpc(c.TENANTS, c.TENANTS_SUBMITTED_ROLL, declaration_id, version)
    except NotFound:
        return None
    except (ServiceUnavailable, ServiceError, MethodNotFound, RemoteError):
        return False


@bp.get("/cases/<declaration_id>/print")
@staff_required()
@back_to_case_on_refusal
def case_print(declaration_id):
    response = documents.send_printed(declaration_id, version_asked())
    log_taken(c.DECLARATIONS, "download.application", declaration_id)
    return response


@bp.get("/cases/<declaration_id>/attachments.zip")
@staff_required()
@back_to_case_on_refusal
def case_attachments_zip(declaration_id):
    response = documents.send_attachments_zip(declaration_id, version_asked())
    log_taken(c.DECLARATIONS, "download.attachments", declaration_id)
    return response


@bp.get("/cases/<declaration_id>/tenants.xlsx")
@staff_required()
@back_to_case_on_refusal
def case_tenants_export(declaration_id):
    case = rpc(c.REVIEW, c.REVIEW_GET_CASE, declaration_id)  # in the reviewer's scope, or NotFound
    response = documents.send_roll_workbook(declaration_id, case.get("base_name"), version_asked())
    log_taken(c.TENANTS, "export.tenants", declaration_id, case)
    return response


def log_taken(service, action, declaration_id, case=None):
    """What a reviewer took out of a case goes into the 操作日志 of the
    service that holds it, named by the base and its 申报编号."""
    if case is None:
        case = rpc(c.REVIEW, c.REVIEW_GET_CASE, declaration_id)
    reference = (case.get("summary") or {}).get("reference") or case.get("reference")
    name = case.get("base_name") or declaration_id
    log_export(service, action, f"{name}（{reference}）" if reference else name,
               {"declaration_id": declaration_id, "version": version_asked()})
