"""附件 of a declaration: the page (read with section_view), an upload and a
删除 (one call each; the declarations service refuses them when the caller
may not change the declaration), and the download of a file for its
enterprise or a reviewer whose scope covers it."""
import io

from flask import abort, flash, g, jsonify, redirect, request, send_file, url_for

from gateway import rpc
from gateway.auth import login_required
from gateway.portal import bp
from gateway.portal.declaration_base import ATTACHMENTS, BASE, idem, new_key, part, render, section_view, to_view
from gateway.uploads import blob_store, stash
from services.common import blobs, uploads
from services.common import contracts as c
from services.common.errors import BadState, NotFound, ValidationFailed


def attachments_page(declaration_id, errors=None, status=200):
    view = section_view(declaration_id, ATTACHMENTS)
    return render("portal/sections/attachments.html", status, d=view,
                  categories=part(ATTACHMENTS, view["description_hash"])["categories"],
                  errors=errors or {}, idempotency_key=new_key())


def stored(declaration_id, category):
    """{field: message} of an upload refused, or None once stored."""
    try:
        key = stash(request.files.get("file"), uploads.ATTACHMENT)
    except ValidationFailed as exc:
        return exc.errors or {"file": exc.message}
    if key is None:
        return {"file": "请选择要上传的文件"}
    try:
        rpc(c.DECLARATIONS, c.DECLARATIONS_ADD_ATTACHMENT, declaration_id, category, key,
            request.files["file"].filename, idempotency_key=idem())
    except ValidationFailed as exc:
        return exc.errors or {"file": exc.message}
    return None


@bp.post(BASE + "/<declaration_id>/sections/attachments")
@login_required
def attachment_upload(declaration_id):
    """An attachment; the page's script (progress bar) asks for a JSON answer."""
    by_script = request.headers.get("X-Upload-Progress") == "1"
    try:
        errors = stored(declaration_id, request.form.get("category", ""))
    except BadState as exc:  # not editable now
        if by_script:
            return jsonify({"error": exc.message, "errors": {"file": exc.message}}), 409
        return to_view(declaration_id, exc.message)
    if errors:
        if by_script:
            return jsonify({"error": "上传失败", "errors": errors}), 422
        return attachments_page(declaration_id, errors, 422)
    flash("附件已上传", "success")
    target = url_for("portal.section_list", declaration_id=declaration_id, section=ATTACHMENTS)
    return jsonify({"redirect": target}) if by_script else redirect(target)


@bp.post(BASE + "/<declaration_id>/attachments/<attachment_id>/delete")
@login_required
def attachment_delete(declaration_id, attachment_id):
    try:
        rpc(c.DECLARATIONS, c.DECLARATIONS_DELETE_ATTACHMENT, attachment_id, idempotency_key=idem())
    except BadState as exc:
        return to_view(declaration_id, exc.message)
    except NotFound:
        pass  # deleted already (a repeated click)
    flash("附件已删除", "success")
    return redirect(url_for("portal.section_list", declaration_id=declaration_id, section=ATTACHMENTS))


@bp.get(BASE + "/attachments/<attachment_id>")
def attachment_download(attachment_id):
    """The file, for its enterprise or a reviewer whose scope covers it (the
    service decides)."""
    if g.get("principal") is None:
        return redirect(url_for("portal.login", next=request.path))
    meta = rpc(c.DECLARATIONS, c.DECLARATIONS_ATTACHMENT, attachment_id)
    try:
        data = blob_store().get(meta["blob_key"])
    except blobs.BlobNotFound:
        abort(404)
    response = send_file(io.BytesIO(data), mimetype=meta["content_type"], as_attachment=True,
                         download_name=meta["filename"])
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
