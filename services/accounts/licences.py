"""营业执照 images: checked by content, re-encoded, kept under a permanent key.

The gateway stores the raw upload under a temporary key (never sent over
RPC); here it is read, refused unless it is a JPG/PNG image within the size
limit, re-encoded (which drops anything hidden in it), written under
`licences/<owner>/<uuid>.<ext>`, and the temporary blob is deleted either way.
Only anonymous temporary keys (blobs.temp_key() before login) are read or
deleted: any other key given is treated as no upload.
"""
import uuid

from services.common import blobs, uploads
from services.common.errors import ValidationFailed

MAX_BYTES = uploads.MAX_BYTES[uploads.LICENCE]
NOT_IMAGE = "请上传图片格式的营业执照"
TOO_BIG = uploads.TOO_BIG[uploads.LICENCE]
MISSING = "请上传营业执照"
FIELD = "licence"


def _fail(message):
    return ValidationFailed(message, {FIELD: message})


def read_temp(store, temp_key):
    """The bytes of an upload under a temporary key (deleted), or a
    ValidationFailed to raise."""
    if not blobs.is_temp_key_of(temp_key, None):  # 注册 and 申诉 upload before any login
        return None, _fail(MISSING)  # and a key not its own is neither read nor deleted
    try:
        data = uploads.read_blob(store, temp_key, uploads.LICENCE)
    except uploads.BadUpload as exc:
        return None, _fail(str(exc))
    except (ValueError, blobs.BlobNotFound):
        return None, _fail(MISSING)
    finally:
        try:
            store.delete(temp_key)
        except Exception:  # best effort: a leftover temp blob is harmless
            pass
    return data, None


def check(data):
    """(re-encoded bytes, content type) or a ValidationFailed to raise."""
    if data is None:
        return None, _fail(MISSING)
    if len(data) > MAX_BYTES:
        return None, _fail(TOO_BIG)
    try:
        return uploads.reencode_image(data), None
    except uploads.TooManyPixels as exc:
        return None, _fail(str(exc))
    except uploads.BadUpload:
        return None, _fail(NOT_IMAGE)


def keep(store, owner, image):
    """Store a checked image; returns the blob description."""
    data, content_type = image
    ext = "png" if content_type == "image/png" else "jpg"
    key = f"licences/{owner}/{uuid.uuid4().hex}.{ext}"
    return store.put(key, data, content_type)
