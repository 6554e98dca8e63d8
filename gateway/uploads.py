"""Uploads: the gateway streams a file into the blob store under a temporary
key and passes the key by RPC; the owning service checks the content and
keeps or deletes it. Files never travel over RPC.

The upload policy's size limit (services/common/uploads.py) is checked here
from the spooled upload before its body is read into memory."""
import os

from flask import current_app, g

from services.common import blobs, uploads
from services.common.errors import ValidationFailed


def blob_store():
    store = current_app.extensions.get("blob_store")
    if store is None:
        store = blobs.blob_store(current_app.config["SERVICES_CONFIG"])
        current_app.extensions["blob_store"] = store
    return store


def upload_size(upload):
    """Bytes of an uploaded file (werkzeug FileStorage) without reading it:
    werkzeug spools the body to a seekable file."""
    stream = upload.stream
    try:
        position = stream.tell()
        stream.seek(0, os.SEEK_END)
        size = stream.tell() - position
        stream.seek(position)
    except (AttributeError, OSError, ValueError):
        return upload.content_length or 0
    return size


def stash(upload, kind, field="file"):
    """An uploaded file (werkzeug FileStorage) under a temporary blob key;
    None when no file was chosen or it is empty. ValidationFailed ({field:
    message}) when it is larger than the policy allows for `kind`."""
    if upload is None or not upload.filename:
        return None
    try:
        uploads.check_size(kind, upload_size(upload))
    except uploads.BadUpload as exc:
        raise ValidationFailed(str(exc), {field: str(exc)})
    data = upload.read(uploads.MAX_BYTES[kind] + 1)
    if not data:
        return None
    # Bound to the uploader, so that only they can hand it to a service; the
    # licence of 注册 and 申诉 is uploaded before any login.
    owner = None if kind == uploads.LICENCE else g.get("principal")
    key = blobs.temp_key(owner)
    blob_store().put(key, data, upload.mimetype or "application/octet-stream")
    return key
