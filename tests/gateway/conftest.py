"""What the gateway tests share: the gateway app built on the configuration
the real services run with, a test client, and `auth` for logging in and out
through the gateway's own pages.

A module starts the services it needs (its own `system` fixture) and may
widen `services_config` (a blob directory, a public address) for both the
services and the gateway.
"""
import pytest

from gateway import create_app
from tests.accounts.helpers import PASSWORD, login_enterprise, login_staff, post


@pytest.fixture
def services_config(config):
    """The configuration of the services and the gateway; modules override it."""
    return config


@pytest.fixture
def app(services_config):
    app = create_app(services_config)
    yield app
    app.extensions["rpc"].close()


@pytest.fixture
def client(app):
    return app.test_client()


class AuthActions:
    """Logs `client` in and out as a user would, on the portal or the console."""

    def __init__(self, client):
        self._client = client

    def login(self, username, password=PASSWORD):
        """The portal's 登录 of an enterprise user."""
        return login_enterprise(self._client, username, password)

    def staff_login(self, username, password=PASSWORD):
        """The console's 登录 of staff (an admin or a reviewer)."""
        return login_staff(self._client, username, password)

    def logout(self):
        """The portal's 退出."""
        return post(self._client, "/logout")

    def staff_logout(self):
        """The console's 退出, back to the console's login page."""
        return post(self._client, "/console/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)
