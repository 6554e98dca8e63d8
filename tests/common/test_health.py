"""Every service starts and answers its public health RPC over the real broker,
with its database reachable."""
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.accounts.service import AccountsService
from services.common import contracts as c
from services.declarations.service import DeclarationsService
from services.notify.service import NotifyService
from services.review.service import ReviewService
from services.tenants.service import TenantsService

ALL = (AccountsService, DeclarationsService, TenantsService, ReviewService, NotifyService)


def test_service_names_match_the_contracts():
    assert tuple(s.name for s in ALL) == c.SERVICES


@pytest.mark.parametrize("service_cls", ALL, ids=lambda s: s.name)
def test_health(container_factory, config, service_cls):
    container_factory(service_cls, config).start()
    with ClusterRpcProxy(config) as cluster:
        answer = getattr(cluster[service_cls.name], c.RPC_HEALTH)()
    assert answer == {"service": service_cls.name, "ok": True, "database": True}
