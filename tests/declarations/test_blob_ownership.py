"""A service deletes only blobs the caller owns: temporary upload keys are
bound to their uploader, and `import_ledger` / `add_attachment` neither
read nor delete any other key (another enterprise's upload, a licence, an
attachment). Housekeeping of orphaned uploads: tests/deploy/test_temp_blob_sweep.py."""
import pytest

from services.accounts import licences
from services.common import blobs
from services.common import contracts as c
from services.common.errors import ValidationFailed
from services.declarations import ledger_import
from tests.declarations.helpers import enterprise
from tests.declarations.fixtures import batch, proxy, system  # noqa: F401  (fixtures)
from tests.support.web import png_bytes

OWNER = enterprise("ent-1")
OTHER = enterprise("ent-2")


@pytest.fixture
def config(config, tmp_path):
    return {**config, c.ENV_BLOB_DIR: str(tmp_path / "blobs")}


def test_temporary_keys_are_bound_to_their_uploader():
    mine = blobs.temp_key(OWNER)
    assert blobs.is_temp_key_of(mine, OWNER)
    assert not blobs.is_temp_key_of(mine, OTHER) and not blobs.is_temp_key_of(mine, None)
    anonymous = blobs.temp_key()
    assert blobs.is_temp_key_of(anonymous, None) and not blobs.is_temp_key_of(anonymous, OWNER)
    for key in ("licences/ent-2/x.png", "declarations/d/a", "tmp/" + "0" * 32, mine + "/../x", None, 7):
        assert not blobs.is_temp_key_of(key, OWNER)


def test_import_ledger_and_add_attachment_leave_keys_they_do_not_own(system, config, batch):
    store = blobs.blob_store(config)
    others_upload = blobs.temp_key(OTHER)
    store.put(others_upload, ledger_import.template())
    licence = "licences/ent-2/licence.png"
    store.put(licence, png_bytes())
    with proxy(c.DECLARATIONS, config, OWNER) as decl:
        did = decl.start(batch["id"], accepted=True)["id"]
        for key in (others_upload, licence):
            refused = decl.import_ledger(did, key)
            assert refused["imported"] == 0 and refused["message"] == "上传失败，请重新选择文件"
            with pytest.raises(ValidationFailed):
                decl.add_attachment(did, "申请报告", key, "x.pdf")
        assert store.exists(others_upload) and store.exists(licence)
        own = blobs.temp_key(OWNER)
        store.put(own, ledger_import.template())
        assert decl.import_ledger(did, own)["imported"] == 1
        assert not store.exists(own)


def test_a_licence_upload_is_read_only_under_an_anonymous_temporary_key(tmp_path):
    store = blobs.LocalBlobStore(tmp_path)
    enterprises_key = blobs.temp_key(OWNER)
    store.put(enterprises_key, png_bytes())
    data, error = licences.read_temp(store, enterprises_key)
    assert data is None and error.errors == {"licence": "请上传营业执照"}
    assert store.exists(enterprises_key)
