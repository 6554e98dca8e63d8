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


def test_the_gateways_tenant_pages_import_no_service_but_the_kit():
    """gateway/intake and gateway/portal/tenants.py reach tenants by RPC only:
    from services they import services.common and nothing else."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    files = sorted((root / "gateway" / "intake").glob("*.py")) + [
        root / "gateway" / "portal" / "tenants.py", root / "gateway" / "descriptions.py",
    ]
    imported = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    services = {name for name in imported if name == "services" or name.startswith("services.")}
    assert services and all(name.startswith("services.common") for name in services), services
