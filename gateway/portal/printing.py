"""打印申请表 on the enterprise's 查看 page, and the public verification page
its QR code opens (/verify/<id>): the version's number, its content digest
and the declaration's state now, for anyone; the document itself only for
its enterprise and the reviewers in scope, who are offered the PDF."""
from flask import flash, g, redirect, render_template, request, url_for

from gateway import documents, rpc
from gateway.auth import login_required
from gateway.portal import bp
from gateway.portal.declarations import BASE
from services.common import contracts as c
from services.common.errors import BadState, Forbidden, NotFound, Unauthenticated


@bp.get(BASE + "/<declaration_id>/print")
@login_required
def declaration_print(declaration_id):
    try:
        version = request.args.get("version", "")
        return documents.send_printed(declaration_id, int(version) if version.isdigit() else None)
    except BadState as exc:
        flash(exc.message, "error")
        return redirect(url_for("portal.declaration_view", declaration_id=declaration_id))


def document_link(seen):
    """Where a signed-in owner or reviewer in scope gets the PDF; None for others."""
    principal = g.get("principal")
    if principal is None or seen.get("certificate"):  # a 认定证书's page offers no 申请表
        return None
    try:
        rpc(c.DECLARATIONS, c.DECLARATIONS_PRINT, seen["declaration_id"], seen["version"],
            timeout=documents.PRINT_TIMEOUT)
    except (NotFound, Forbidden, Unauthenticated, BadState):
        return None
    if principal.kind == c.ENTERPRISE:
        return url_for("portal.declaration_print", declaration_id=seen["declaration_id"], version=seen["version"])
    return url_for("console.case_print", declaration_id=seen["declaration_id"], version=seen["version"])


@bp.get(c.VERIFY_URL_PATH.replace("{verify_id}", "<verify_id>"))
def verify(verify_id):
    try:
        seen = rpc(c.DECLARATIONS, c.DECLARATIONS_VERIFY, verify_id)
    except NotFound as exc:
        return render_template("portal/verify.html", seen=None, message=exc.message), 404
    return render_template("portal/verify.html", seen=seen, link=document_link(seen))
