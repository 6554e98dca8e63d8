"""Every RPC the tenants service defines is named in services/common/contracts.py
(the kit's mixins, events and operation log, name their own)."""
from nameko.rpc import Rpc

from services.common import contracts
from services.tenants.service import TenantsService


def rpc_names(service_class):
    return sorted(
        name for name, method in vars(service_class).items()
        if any(isinstance(entry, Rpc) for entry in getattr(method, "nameko_entrypoints", ()))
    )


def test_every_tenants_rpc_is_named_in_the_contracts():
    named = {value for key, value in vars(contracts).items() if key.startswith("TENANTS_") and isinstance(value, str)}
    named.add(contracts.RPC_HEALTH)
    assert rpc_names(TenantsService)
    assert set(rpc_names(TenantsService)) <= named, set(rpc_names(TenantsService)) - named
