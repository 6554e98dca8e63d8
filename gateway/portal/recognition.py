"""打印认定证书 on the enterprise's 查看 page: the PDF of a recognised
declaration's certificate (its 证书编号, 认定文号 and validity), rendered and
kept by declarations, read from the blob store like the 申请表."""
from flask import flash, redirect, url_for

from gateway import documents, rpc
from gateway.auth import login_required
from gateway.portal import bp
from gateway.portal.declarations import BASE
from services.common import contracts as c
from services.common.errors import BadState


@bp.get(BASE + "/<declaration_id>/certificate")
@login_required
def declaration_certificate(declaration_id):
    try:
        meta = rpc(c.DECLARATIONS, c.DECLARATIONS_PRINT_RECOGNITION, declaration_id, timeout=documents.PRINT_TIMEOUT)
    except BadState as exc:
        flash(exc.message, "error")
        return redirect(url_for("portal.declaration_view", declaration_id=declaration_id))
    return documents.send_pdf(meta, "认定证书.pdf")
