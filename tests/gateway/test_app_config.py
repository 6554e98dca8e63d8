"""The gateway's own start-up rules: no development secrets in production, and
the client's address taken from trusted reverse proxies only."""
import pytest
from flask import request

from gateway import create_app
from services.common import contracts as c

SECRETS = {c.ENV_SECRET_KEY: "sessions-secret-of-its-own", c.ENV_PRINCIPAL_SECRET: "principal-secret-of-its-own",
           c.ENV_PUBLIC_BASE_URL: "https://sme.example.gov.cn"}


@pytest.mark.parametrize("missing", [c.ENV_SECRET_KEY, c.ENV_PRINCIPAL_SECRET])
def test_production_refuses_development_secrets(missing):
    config = {c.ENV_APP_ENV: "production", **SECRETS}
    del config[missing]
    with pytest.raises(RuntimeError, match=missing):
        create_app(config)


def _remote_addr(app):
    @app.get("/_addr")
    def addr():
        return request.remote_addr

    client = app.test_client()
    response = client.get("/_addr", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    app.extensions["rpc"].close()
    return response.get_data(as_text=True)


def test_forwarded_for_is_ignored_without_trusted_proxies():
    assert _remote_addr(create_app()) == "10.0.0.2"


def test_forwarded_for_is_used_behind_one_trusted_proxy():
    app = create_app({c.ENV_APP_ENV: "production", c.ENV_TRUSTED_PROXIES: "1", **SECRETS})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert _remote_addr(app) == "203.0.113.7"


def _csrf_round_trip(signer, verifier):
    """A form rendered by `signer` (its token and seed cookie) posted to `verifier`."""
    import re

    page = signer.test_client()
    html = page.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    seed = page.get_cookie("sme_csrf").value
    client = verifier.test_client()
    client.set_cookie("sme_csrf", seed)
    # POST /logout needs nothing but the token (no session: no RPC).
    status = client.post("/logout", data={"csrf_token": token}).status_code
    for app in (signer, verifier):
        app.extensions["rpc"].close()
    return status


def test_a_secret_key_rotation_keeps_open_forms_valid():
    """SECRET_KEY_PREVIOUS: forms signed with the former key are accepted while
    the new key signs; without it (or with another key) they are refused."""
    old, new = "the-former-session-key", "the-new-session-key"
    before = {**SECRETS, c.ENV_SECRET_KEY: old}
    rotating = {**SECRETS, c.ENV_SECRET_KEY: new, c.ENV_SECRET_KEY_PREVIOUS: old}
    assert _csrf_round_trip(create_app(before), create_app(rotating)) == 302
    assert _csrf_round_trip(create_app(rotating), create_app(rotating)) == 302
    assert _csrf_round_trip(create_app(before), create_app({**SECRETS, c.ENV_SECRET_KEY: new})) == 400
    assert create_app(rotating).config["SECRET_KEY_FALLBACKS"] == [old]
