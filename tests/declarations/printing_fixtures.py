"""打印申请表's tests share: the configuration with a public address (for the
verification link) and a blob directory, and a version's printed PDF."""
import pytest

from services.common import blobs
from services.common import contracts as c
from tests.declarations.fixtures import PUBLIC, proxy


@pytest.fixture
def config(config, tmp_path):
    return {**config, c.ENV_PUBLIC_BASE_URL: PUBLIC, c.ENV_BLOB_DIR: str(tmp_path / "blobs")}


def printed(config, principal, did, version=None):
    with proxy(c.DECLARATIONS, config, principal) as decl:
        meta = decl.print_version(did, version)
    return meta, blobs.blob_store(config).get(meta["blob_key"])
