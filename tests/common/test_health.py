"""Every service starts and answers its public health RPC over the real broker,
with its database reachable."""
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.common import contracts as c
from tests.support.services import ALL  # noqa: F401


def test_service_names_match_the_contracts():
    assert tuple(s.name for s in ALL) == c.SERVICES


@pytest.mark.parametrize("service_cls", ALL, ids=lambda s: s.name)
def test_health(container_factory, config, service_cls):
    container_factory(service_cls, config).start()
    with ClusterRpcProxy(config) as cluster:
        answer = getattr(cluster[service_cls.name], c.RPC_HEALTH)()
    assert answer == {"service": service_cls.name, "ok": True, "database": True}
