"""Orphaned temporary uploads (a page stashed a file, then failed before the
owning service took it) are deleted by housekeeping, on both blob backends;
nothing else is."""
import datetime as dt
import os
import time

from services.common import blobs
from services.common.principal import Principal
from tests.deploy.fixtures import store  # noqa: F401  (fixture: local and S3)


OWNER = Principal(kind="enterprise", id="ent-1")


def test_housekeeping_deletes_orphaned_temporary_uploads_only(store):
    old, fresh = blobs.temp_key(OWNER), blobs.temp_key()
    for key in (old, fresh, "licences/ent-1/kept.png"):
        store.put(key, b"x")
    if isinstance(store, blobs.LocalBlobStore):
        stamp = time.time() - blobs.TEMP_MAX_AGE.total_seconds() - 60
        os.utime(store.root / old, (stamp, stamp))
        assert blobs.sweep_temp(store) == 1
        assert not store.exists(old) and store.exists(fresh)
    else:  # S3 stamps objects itself: judge them from later on
        assert blobs.sweep_temp(store) == 0
        later = dt.datetime.now(dt.timezone.utc) + blobs.TEMP_MAX_AGE + dt.timedelta(minutes=1)
        assert blobs.sweep_temp(store, now=later) == 2
        assert not store.exists(old) and not store.exists(fresh)
    assert store.exists("licences/ent-1/kept.png")
