"""Fixtures of the tenants tests: the service on the real broker and
database, the owner's and a tenant's clients, and the QR link of DECL."""
import pytest

from services.tenants.service import TenantsService
from tests.tenants.helpers import BASE_NAME, CLOSES, DECL, OWNER, proxy, started


@pytest.fixture
def service(container_factory, config):
    container = container_factory(TenantsService, config)
    container.start()
    return container


@pytest.fixture
def owner(service, config):
    with proxy(config, OWNER) as p:
        yield p


@pytest.fixture
def tenant(service, config):
    with proxy(config) as p:
        yield p


@pytest.fixture
def token(owner, config):
    """DECL, started and known to tenants; the token of its QR link."""
    started(config, DECL)
    return owner.open_link(DECL, BASE_NAME, CLOSES)["token"]

