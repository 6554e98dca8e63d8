"""The signed principal: refused when missing, forged, expired or malformed;
a valid one reaches the entrypoint and travels on to the services it calls;
event handlers and `ServiceRpc` act as the service itself."""
import base64
import json
import time

import pytest

from services.common import contracts as c
from services.common import principal as principals
from services.common.errors import Forbidden, Unauthenticated
from services.common.principal import Principal
from tests.common.fixtures import call, services, who


ALICE = Principal(kind=c.ENTERPRISE, id="e-1", region_code="320102")


def test_a_valid_principal_reaches_the_entrypoint(services):
    assert call(services, "back", "whoami", principals.sign(ALICE, services)) == [
        c.ENTERPRISE, "e-1", "320102",
    ]


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "garbage",
        "a.b",
        principals.sign(ALICE, {c.ENV_PRINCIPAL_SECRET: "another-secret"}),  # forged
        principals.sign(ALICE, now=time.time() - 120),  # expired
        principals.sign(ALICE, ttl=3600),  # lives longer than any token may
    ],
    ids=["missing", "empty", "garbage", "bad-mac", "forged", "expired", "too-long-lived"],
)
def test_a_missing_forged_or_expired_principal_is_refused(services, token):
    with pytest.raises(Unauthenticated):
        call(services, "back", "whoami", token)


def test_a_tampered_principal_is_refused(services):
    raw, mac = principals.sign(ALICE, services).split(".")
    body = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    body["kind"] = c.ADMIN
    forged_raw = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    with pytest.raises(Unauthenticated):
        call(services, "back", "admin_only", forged_raw + "." + mac)


def test_public_entrypoint_answers_without_a_principal(services):
    assert call(services, "back", "hello", None) is None
    assert call(services, "back", "hello", principals.sign(ALICE, services))[1] == "e-1"


def test_an_unchecked_entrypoint_gets_no_principal(services):
    """nameko's own rpc (used by mistake) verifies nothing: Caller gives it
    nobody, neither the token's principal nor the service's."""
    assert call(services, "back", "unchecked", principals.sign(ALICE, services)) is None


def test_the_principal_decides_access(services):
    with pytest.raises(Forbidden):
        call(services, "back", "admin_only", principals.sign(ALICE, services))
    admin = Principal(kind=c.ADMIN, id="a-1")
    assert call(services, "back", "admin_only", principals.sign(admin, services)) == "ok"


def test_a_service_to_service_call_carries_the_principal_on(services):
    answer = call(services, "front", "via_back", principals.sign(ALICE, services))
    assert answer == {"front": who(ALICE), "back": who(ALICE)}


def test_service_rpc_acts_as_the_service_and_times_out(services):
    assert call(services, "front", "as_service", principals.sign(ALICE, services)) == [
        c.SYSTEM, "front", None,
    ]
    assert call(services, "front", "too_slow", principals.sign(ALICE, services)) == "timed out"


# --- the token itself -------------------------------------------------------------


def test_sign_and_verify_round_trip():
    token = principals.sign(Principal(kind=c.REVIEWER, id=42, region_code="320100", level=c.CITY))
    assert principals.verify(token) == Principal(c.REVIEWER, "42", "320100", c.CITY)


@pytest.mark.parametrize(
    "body",
    [
        ["not", "an", "object"],
        {"kind": "root", "id": "x", "exp": 0},
        {"kind": c.ADMIN, "id": "", "exp": 0},
        {"kind": c.ADMIN, "id": 7, "exp": 0},
        {"kind": c.ADMIN, "id": "a", "exp": "soon"},
        {"kind": c.ADMIN, "id": "a", "exp": 0, "extra": True},
        {"kind": c.ADMIN, "id": "a", "level": 3, "exp": 0},
    ],
)
def test_well_signed_but_malformed_bodies_are_refused(body):
    import hashlib
    import hmac

    if isinstance(body, dict) and body.get("exp") == 0:
        body["exp"] = int(time.time()) + 30
    raw = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    mac = hmac.new(principals.secret(), raw.encode(), hashlib.sha256).digest()
    token = raw + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    with pytest.raises(Unauthenticated):
        principals.verify(token)


def test_a_token_checked_before_is_still_refused_once_expired_or_its_key_retired():
    token = principals.sign(ALICE, config={c.ENV_PRINCIPAL_SECRET: "old"})
    old_keys = {c.ENV_PRINCIPAL_SECRET: "old"}
    assert principals.verify(token, old_keys) == ALICE
    assert principals.verify(token, old_keys) == ALICE  # checked again, from what was remembered
    with pytest.raises(Unauthenticated, match="过期"):
        principals.verify(token, old_keys, now=time.time() + 120)
    rotated = {c.ENV_PRINCIPAL_SECRET: "new", c.ENV_PRINCIPAL_SECRET_PREVIOUS: "old"}
    assert principals.verify(token, rotated) == ALICE
    with pytest.raises(Unauthenticated, match="无效"):
        principals.verify(token, {c.ENV_PRINCIPAL_SECRET: "new"})


def test_expiry_with_leeway():
    token = principals.sign(ALICE, now=time.time() - 70)  # expired 10 s ago
    with pytest.raises(Unauthenticated):
        principals.verify(token)
    assert principals.verify(token, leeway=30) == ALICE
