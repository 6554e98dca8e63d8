"""Blob store: binary files (licence images, attachments) never travel over
RPC. The gateway streams an upload into the store under a temporary key and
passes the key; the owning service checks the content, keeps it under a
permanent key (`move`) or deletes it.

The local backend keeps files under BLOB_DIR; an S3-compatible backend is
selected by configuration where replicas run on several hosts.
"""
import datetime as dt
import hashlib
import os
import re
import uuid
from pathlib import Path

from services.common import clock
from services.common import config as cfg

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}$")


class BlobNotFound(KeyError):
    pass


def check_key(key):
    if not _KEY.match(key or "") or ".." in key or "//" in key:
        raise ValueError(f"invalid blob key: {key!r}")
    return key


ANONYMOUS = "anon"
TEMP_PREFIX = "tmp/"
_TEMP = re.compile(r"^tmp/([0-9a-f]{24}|anon)/[0-9a-f]{32}$")
TEMP_MAX_AGE = dt.timedelta(hours=6)  # older temporary uploads are orphans: housekeeping deletes them


def owner_tag(owner=None):
    """The part of a temporary key that binds it to its uploader: a digest
    of the principal (kind and id), or "anon" before any login (注册, 申诉)."""
    if owner is None:
        return ANONYMOUS
    return hashlib.sha256(f"{owner.kind}:{owner.id}".encode()).hexdigest()[:24]


def temp_key(owner=None):
    """A fresh key for an upload not yet checked by its owning service,
    bound to who uploads it (`owner`: the principal; None when anonymous)."""
    return f"{TEMP_PREFIX}{owner_tag(owner)}/{uuid.uuid4().hex}"


def is_temp_key_of(key, owner=None):
    """True when `key` is a temporary upload key of `owner`: the only keys
    a service reads and deletes on a caller's word."""
    return isinstance(key, str) and bool(_TEMP.match(key)) and key.split("/")[1] == owner_tag(owner)


def sweep_temp(store, max_age=TEMP_MAX_AGE, now=None):
    """Delete temporary uploads older than `max_age` (a page that stashed a
    file and then failed before the owning service took it); returns how
    many went."""
    cutoff = (now or clock.utcnow()) - max_age
    gone = 0
    for key in store.keys_older_than(TEMP_PREFIX, cutoff):
        store.delete(key)
        gone += 1
    return gone


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

    def keys_older_than(self, prefix, cutoff):
        """Keys under `prefix` last written before `cutoff` (aware datetime)."""
        base = self._path(prefix.rstrip("/"))
        if not base.is_dir():
            return
        limit = cutoff.timestamp()
        for path in base.rglob("*"):
            if path.is_file() and not path.name.endswith(".part") and path.stat().st_mtime < limit:
                yield path.relative_to(self.root).as_posix()

    def size(self, key):
        """Bytes of a blob, without reading it."""
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(key)

    def delete(self, key):
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def keys(self, prefix=""):
        """Every stored key (sorted), optionally under `prefix`; files being
        written (`.part`) are not keys yet."""
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.rglob("*"):
            if path.is_file() and not path.name.endswith(".part"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    found.append(key)
        return sorted(found)

    def move(self, src, dst):
        target = self._path(dst)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(self._path(src), target)
        except FileNotFoundError:
            raise BlobNotFound(src)


class S3BlobStore:
    """The same interface on an S3-compatible bucket (MinIO, or S3 itself),
    shared by every replica whatever host it runs on."""

    def __init__(self, bucket, endpoint_url=None, access_key=None, secret_key=None, region=None):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            region_name=region or None,
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
            ),
        )

    @staticmethod
    def _missing(exc):
        from botocore.exceptions import ClientError

        if not isinstance(exc, ClientError):
            return False
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return error.get("Code") in ("NoSuchKey", "404", "NotFound") or status == 404

    def ensure(self):
        """Create the bucket if it does not exist yet (the setup step)."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)

    def put(self, key, data, content_type="application/octet-stream"):
        meta = describe(check_key(key), data, content_type)
        self.client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type,
            Metadata={"sha256": meta["sha256"]},
        )
        return meta

    def get(self, key):
        try:
            return self.client.get_object(Bucket=self.bucket, Key=check_key(key))["Body"].read()
        except Exception as exc:
            if self._missing(exc):
                raise BlobNotFound(key)
            raise

    def exists(self, key):
        try:
            self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except Exception as exc:
            if self._missing(exc):
                return False
            raise
        return True

    def keys_older_than(self, prefix, cutoff):
        """Keys under `prefix` last written before `cutoff` (aware datetime)."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                if item["LastModified"] < cutoff:
                    yield item["Key"]

    def size(self, key):
        """Bytes of a blob, without reading it."""
        try:
            return self.client.head_object(Bucket=self.bucket, Key=check_key(key))["ContentLength"]
        except Exception as exc:
            if self._missing(exc):
                raise BlobNotFound(key)
            raise

    def delete(self, key):
        self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def keys(self, prefix=""):
        """Every stored key (sorted), optionally under `prefix`."""
        found = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            found.extend(item["Key"] for item in page.get("Contents", ()))
        return sorted(found)

    def move(self, src, dst):
        try:
            self.client.copy_object(
                Bucket=self.bucket, Key=check_key(dst),
                CopySource={"Bucket": self.bucket, "Key": check_key(src)},
                MetadataDirective="COPY",
            )
        except Exception as exc:
            if self._missing(exc):
                raise BlobNotFound(src)
            raise
        self.client.delete_object(Bucket=self.bucket, Key=src)


def blob_store(config=None):
    """The configured store: BLOB_BACKEND=local (default) or s3."""
    if cfg.blob_backend(config) == "s3":
        s3 = cfg.s3_settings(config)
        return S3BlobStore(
            s3["bucket"], endpoint_url=s3["endpoint_url"], access_key=s3["access_key"],
            secret_key=s3["secret_key"], region=s3["region"],
        )
    return LocalBlobStore(cfg.blob_dir(config))


def main(argv=None):
    """`python -m services.common.blobs ensure`: make the configured store
    ready (create the bucket of the S3 backend); part of the setup job."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("command", choices=["ensure"])
    parser.parse_args(argv)
    store = blob_store()
    if hasattr(store, "ensure"):
        store.ensure()
    else:
        cfg.blob_dir().mkdir(parents=True, exist_ok=True)
    print(f"blob store ready ({cfg.blob_backend()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
