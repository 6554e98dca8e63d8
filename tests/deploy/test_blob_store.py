"""One contract for the blob store, run against both backends: the local
directory and the S3-compatible one on a real S3 HTTP server (moto's server
on loopback, reached through boto3 exactly as MinIO is in deploy/)."""
import hashlib

import pytest

from services.common import blobs
from services.common import contracts as c
from tests.deploy.fixtures import s3_config, store  # noqa: F401


def test_the_configuration_selects_the_backend(tmp_path, s3_server):
    assert isinstance(blobs.blob_store({c.ENV_BLOB_DIR: str(tmp_path)}), blobs.LocalBlobStore)
    s3 = blobs.blob_store(s3_config(s3_server, "blobs-config"))
    assert isinstance(s3, blobs.S3BlobStore)
    assert s3.bucket == "blobs-config"
    with pytest.raises(ValueError):
        blobs.blob_store({c.ENV_BLOB_BACKEND: "ftp"})


def test_put_describes_what_it_stored_and_get_returns_it(store):
    data = b"%PDF-1.7 licence scan \x00\xff"
    meta = store.put("tmp/upload-1", data, "application/pdf")
    assert meta == {
        "key": "tmp/upload-1",
        "size": len(data),
        "content_type": "application/pdf",
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    assert store.exists("tmp/upload-1")
    assert store.get("tmp/upload-1") == data


def test_put_replaces_what_a_key_held(store):
    store.put("declarations/1/a.pdf", b"first")
    store.put("declarations/1/a.pdf", b"second")
    assert store.get("declarations/1/a.pdf") == b"second"


def test_a_missing_key_is_not_found(store):
    assert not store.exists("tmp/never-put")
    with pytest.raises(blobs.BlobNotFound):
        store.get("tmp/never-put")


def test_delete_removes_and_is_idempotent(store):
    store.put("tmp/x", b"x")
    store.delete("tmp/x")
    assert not store.exists("tmp/x")
    store.delete("tmp/x")
    with pytest.raises(blobs.BlobNotFound):
        store.get("tmp/x")


def test_move_keeps_the_content_under_the_permanent_key_only(store):
    key = blobs.temp_key()
    store.put(key, b"image bytes", "image/png")
    store.move(key, "declarations/7/attachments/licence.png")
    assert not store.exists(key)
    assert store.get("declarations/7/attachments/licence.png") == b"image bytes"


def test_moving_a_missing_key_is_not_found(store):
    with pytest.raises(blobs.BlobNotFound):
        store.move("tmp/gone", "declarations/1/gone")
    assert not store.exists("declarations/1/gone")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "", "a/../b", "中文"])
def test_keys_that_could_escape_or_confuse_are_refused(store, key):
    for op in (lambda: store.put(key, b"x"), lambda: store.get(key), lambda: store.exists(key),
               lambda: store.delete(key)):
        with pytest.raises(ValueError):
            op()
