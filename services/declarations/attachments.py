"""附件: files the gateway wrote to the blob store under a temporary key are
checked here by their content (PDF, PNG or JPEG; images re-encoded), limited
in size by the batch, and kept under a permanent key."""
import uuid

from sqlalchemy import select

from services.common import blobs, uploads
from services.common.clock import utcnow
from services.common.errors import NotFound, ValidationFailed
from services.declarations import access
from services.declarations.access import load, owned
from services.declarations.contents import attachment_dict
from services.declarations.lifecycle import require_editable_in_time
from services.declarations.models import Attachment, Batch
from services.declarations.sections import ATTACHMENT_CATEGORIES

PDF = "application/pdf"


def blob_key(declaration_id, attachment_id):
    """Where a file is kept; a deleted row keeps its blob (a submitted version
    may still name it)."""
    return f"declarations/{declaration_id}/{attachment_id}"


def clean_filename(name):
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())[:120]
    return name or "附件"


def add(session, store, principal, declaration_id, category, temp_key, filename, now=None):
    now = now or utcnow()
    if not blobs.is_temp_key_of(temp_key, principal):  # neither read nor deleted: not the caller's upload
        raise ValidationFailed("上传失败，请重新选择文件", {"file": "上传失败，请重新选择文件"})
    try:
        d = owned(session, principal, declaration_id, lock=True)
        require_editable_in_time(session, d)
        if category not in ATTACHMENT_CATEGORIES:
            raise ValidationFailed("请选择附件类别", {"category": "请从列表中选择附件类别"})
        batch = session.get(Batch, d.batch_id)
        try:
            data = uploads.read_blob(store, temp_key, uploads.ATTACHMENT, batch.max_attachment_mb * uploads.MB)
        except blobs.BlobNotFound:
            raise ValidationFailed("上传失败，请重新选择文件", {"file": "上传失败，请重新选择文件"})
        except uploads.BadUpload as exc:
            raise ValidationFailed("文件过大", {"file": str(exc)})
        if not data:
            raise ValidationFailed("文件为空", {"file": "文件为空，请重新选择"})
        kind = uploads.sniff(data)
        if kind is None:
            raise ValidationFailed("文件类型不符", {"file": "只能上传PDF文件或图片（JPG、PNG）"})
        if kind in uploads.IMAGE_TYPES:
            try:
                data, kind = uploads.reencode_image(data)
            except uploads.TooManyPixels as exc:
                raise ValidationFailed("图片尺寸过大", {"file": str(exc)})
            except uploads.BadUpload:
                raise ValidationFailed("图片无法识别", {"file": "图片文件已损坏或无法识别，请重新选择"})
        attachment_id = str(uuid.uuid4())
        key = blob_key(d.id, attachment_id)
        meta = store.put(key, data, kind)
    finally:
        store.delete(temp_key)
    a = Attachment(
        id=attachment_id, declaration_id=d.id, category=category, filename=clean_filename(filename),
        content_type=kind, size=meta["size"], sha256=meta["sha256"], blob_key=key, uploaded_at=now,
    )
    session.add(a)
    d.updated_at = now
    session.flush()
    return attachment_dict(a)


def _attachment(session, attachment_id):
    a = session.get(Attachment, str(attachment_id))
    if a is None:
        raise NotFound("未找到该附件")
    return a


def delete(session, store, principal, attachment_id, now=None):
    now = now or utcnow()
    a = _attachment(session, attachment_id)
    d = owned(session, principal, a.declaration_id, lock=True)
    require_editable_in_time(session, d)
    session.delete(a)
    d.updated_at = now
    session.flush()
    # A submitted version may still name this file: keep the blob, drop the row.
    return {"deleted": True}


def for_download(session, principal, attachment_id):
    """Where the gateway reads the file: by the owner or a reviewer in scope."""
    a = _attachment(session, attachment_id)
    d = load(session, a.declaration_id)
    try:
        access.require_reader(principal, d)
    except NotFound:
        raise NotFound("未找到该附件")
    return {**attachment_dict(a), "blob_key": a.blob_key, "declaration_id": d.id}


def list_for(session, principal, declaration_id):
    d = access.require_reader(principal, load(session, declaration_id))
    rows = session.execute(select(Attachment).where(Attachment.declaration_id == d.id)).scalars()
    return [attachment_dict(a) for a in rows]
