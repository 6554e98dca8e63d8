"""Two keys for principals: the gateway's PRINCIPAL_SECRET signs users only;
`system` principals verify only with SYSTEM_PRINCIPAL_SECRET, which only the
services hold. Either key rotates without downtime: a previous key is
accepted (never used to sign) while every process moves to the new one."""
import base64
import hashlib
import hmac
import json
import time

import pytest

from gateway import create_app
from gateway.rpc import RpcClient
from services.common import config as cfg
from services.common import contracts as c
from services.common import principal as principals
from services.common.errors import Unauthenticated
from services.common.principal import Principal
from tests.common.fixtures import call, services  # noqa: F401  (fixture)


USER = Principal(kind=c.ENTERPRISE, id="e-1", region_code="320102")
SYSTEM = principals.system("declarations")
KEYS = {c.ENV_PRINCIPAL_SECRET: "users-key", c.ENV_SYSTEM_PRINCIPAL_SECRET: "services-key"}


def forge(principal, key):
    """A token for `principal` signed with `key`, the way anyone holding it could."""
    body = {"kind": principal.kind, "id": principal.id, "region_code": principal.region_code,
            "level": principal.level, "exp": int(time.time() + 30)}
    raw = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":"), sort_keys=True).encode()).rstrip(b"=").decode()
    mac = hmac.new(key.encode(), raw.encode(), hashlib.sha256).digest()
    return raw + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def test_each_kind_verifies_with_its_own_key_only():
    assert principals.verify(principals.sign(USER, KEYS), KEYS) == USER
    assert principals.verify(principals.sign(SYSTEM, KEYS), KEYS) == SYSTEM
    with pytest.raises(Unauthenticated):  # the gateway's key cannot make a system principal
        principals.verify(forge(SYSTEM, KEYS[c.ENV_PRINCIPAL_SECRET]), KEYS)
    with pytest.raises(Unauthenticated):  # nor the system key a user
        principals.verify(forge(USER, KEYS[c.ENV_SYSTEM_PRINCIPAL_SECRET]), KEYS)
    assert principals.verify(forge(SYSTEM, KEYS[c.ENV_SYSTEM_PRINCIPAL_SECRET]), KEYS) == SYSTEM


def test_a_service_refuses_a_system_principal_signed_with_the_gateways_key(services):
    forged = forge(principals.system("front"), cfg.get(c.ENV_PRINCIPAL_SECRET, services))
    with pytest.raises(Unauthenticated):
        call(services, "back", "whoami", forged)
    own = principals.sign(principals.system("front"), services)
    assert call(services, "back", "whoami", own) == [c.SYSTEM, "front", None]


def test_the_gateway_client_never_signs_a_system_principal():
    client = RpcClient({c.ENV_AMQP_URI: "amqp://guest:guest@127.0.0.1:1/"}, timeout=1)
    with pytest.raises(ValueError, match="user principals only"):
        client.call("declarations", "list_mine", principal=SYSTEM)


@pytest.mark.parametrize("current, previous", [
    (c.ENV_PRINCIPAL_SECRET, c.ENV_PRINCIPAL_SECRET_PREVIOUS),
    (c.ENV_SYSTEM_PRINCIPAL_SECRET, c.ENV_SYSTEM_PRINCIPAL_SECRET_PREVIOUS),
])
def test_rotation_accepts_the_previous_key_and_signs_with_the_new_one(current, previous):
    who = SYSTEM if current == c.ENV_SYSTEM_PRINCIPAL_SECRET else USER
    old = {**KEYS, current: "old-key"}
    token = principals.sign(who, old)
    rotating = {**KEYS, current: "new-key", previous: "old-key"}
    assert principals.verify(token, rotating) == who  # signed before the switch: still accepted
    fresh = principals.sign(who, rotating)
    assert principals.verify(fresh, {**KEYS, current: "new-key"}) == who  # signed with the new key
    with pytest.raises(Unauthenticated):
        principals.verify(token, {**KEYS, current: "new-key"})  # rotation over: the old key is gone
    # Step one of a rotation: the incoming key is accepted before anyone signs with it.
    incoming = {**KEYS, current: "old-key", previous: "new-key"}
    assert principals.verify(fresh, incoming) == who


PRODUCTION = {c.ENV_APP_ENV: "production", c.ENV_PRINCIPAL_SECRET: "users-key", c.ENV_SYSTEM_PRINCIPAL_SECRET: "services-key"}


def test_services_in_production_need_a_system_key_of_their_own():
    assert cfg.service_secret_problems(PRODUCTION) == []
    unset = {k: v for k, v in PRODUCTION.items() if k != c.ENV_SYSTEM_PRINCIPAL_SECRET}
    assert any(c.ENV_SYSTEM_PRINCIPAL_SECRET in p for p in cfg.service_secret_problems(unset))
    same = {**PRODUCTION, c.ENV_SYSTEM_PRINCIPAL_SECRET: "users-key"}
    assert any("must differ" in p for p in cfg.service_secret_problems(same))
    assert any(c.ENV_SYSTEM_PRINCIPAL_SECRET in p for p in cfg.check_production(unset))


def test_the_gateway_refuses_to_start_in_production_holding_the_system_key():
    gateway = {c.ENV_APP_ENV: "production", c.ENV_SECRET_KEY: "sessions-key", c.ENV_PRINCIPAL_SECRET: "users-key",
               c.ENV_PUBLIC_BASE_URL: "https://sme.example.gov.cn"}
    with pytest.raises(RuntimeError, match=c.ENV_SYSTEM_PRINCIPAL_SECRET):
        create_app({**gateway, c.ENV_SYSTEM_PRINCIPAL_SECRET: "services-key"})
    create_app(gateway).extensions["rpc"].close()


def test_intake_links_signed_before_a_rotation_still_open_during_it():
    from services.tenants import links

    token = links.sign("d-1", 1, "nonce", None, {c.ENV_PRINCIPAL_SECRET: "old-key"})
    rotating = {c.ENV_PRINCIPAL_SECRET: "new-key", c.ENV_PRINCIPAL_SECRET_PREVIOUS: "old-key"}
    assert links.read(token, rotating)["declaration_id"] == "d-1"
    assert links.read(links.sign("d-1", 1, "nonce", None, rotating), {c.ENV_PRINCIPAL_SECRET: "new-key"})
