"""The gateway's own start-up rules: no development secrets in production, and
the client's address taken from trusted reverse proxies only."""
import pytest
from flask import request

from gateway import create_app
from services.common import contracts as c

SECRETS = {c.ENV_SECRET_KEY: "sessions-secret-of-its-own", c.ENV_PRINCIPAL_SECRET: "principal-secret-of-its-own"}


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
