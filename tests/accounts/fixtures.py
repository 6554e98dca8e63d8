"""The accounts service on the real broker and database, its configuration
and an RPC client, for the accounts tests that call it directly."""
import pytest

from gateway.rpc import RpcClient
from services.accounts.service import AccountsService
from services.common import contracts as c


@pytest.fixture
def config(config, tmp_path):
    return {**config, c.ENV_BLOB_DIR: str(tmp_path / "blobs")}


@pytest.fixture
def service(container_factory, config):
    container = container_factory(AccountsService, config)
    container.start()
    return container


@pytest.fixture
def client(config, service):
    client = RpcClient(config)
    yield client
    client.close()
