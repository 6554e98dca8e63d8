"""Uploads: the gateway streams a file into the blob store under a temporary
key and passes the key by RPC; the owning service checks the content and
keeps or deletes it. Files never travel over RPC."""
from flask import current_app

from services.common import blobs


def blob_store():
    store = current_app.extensions.get("blob_store")
    if store is None:
        store = blobs.blob_store(current_app.config["SERVICES_CONFIG"])
        current_app.extensions["blob_store"] = store
    return store


def stash(upload):
    """An uploaded file (werkzeug FileStorage) under a temporary blob key;
    None when no file was chosen or it is empty."""
    if upload is None or not upload.filename:
        return None
    data = upload.read()
    if not data:
        return None
    key = blobs.temp_key()
    blob_store().put(key, data, upload.mimetype or "application/octet-stream")
    return key
