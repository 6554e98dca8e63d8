"""Blob store: binary files (licence images, attachments) never travel over
RPC. The gateway streams an upload into the store under a temporary key and
passes the key; the owning service checks the content, keeps it under a
permanent key (`move`) or deletes it.

The local backend keeps files under BLOB_DIR; an S3-compatible backend is
selected by configuration where replicas run on several hosts.
"""
import hashlib
import os
import re
import uuid
from pathlib import Path

from services.common import config as cfg

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}$")


class BlobNotFound(KeyError):
    pass


def check_key(key):
    if not _KEY.match(key or "") or ".." in key or "//" in key:
        raise ValueError(f"invalid blob key: {key!r}")
    return key


def temp_key():
    """A fresh key for an upload not yet checked by its owning service."""
    return f"tmp/{uuid.uuid4().hex}"


def describe(key, data, content_type):
    return {
        "key": key,
        "size": len(data),
        "content_type": content_type,
        "sha256": hashlib.sha256(data).hexdigest(),
    }


class LocalBlobStore:
    def __init__(self, root):
        self.root = Path(root)

    def _path(self, key):
        return self.root / check_key(key)

    def put(self, key, data, content_type="application/octet-stream"):
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{uuid.uuid4().hex}.part")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        return describe(key, data, content_type)

    def get(self, key):
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(key)

    def exists(self, key):
        return self._path(key).is_file()

    def delete(self, key):
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def move(self, src, dst):
        target = self._path(dst)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(self._path(src), target)
        except FileNotFoundError:
            raise BlobNotFound(src)


def blob_store(config=None):
    return LocalBlobStore(cfg.blob_dir(config))
