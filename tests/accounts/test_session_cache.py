"""Sessions without an RPC per request: each gateway process keeps a
resolved session for SESSION_CACHE_SECONDS. A burst of pages makes one
resolve; 退出, a password change and a disabled account take effect at once
in the process that did it and within those seconds in every other one; the
session's absolute lifetime still holds. Two apps stand for two gateway
processes; their clocks are moved, nothing waits."""
import datetime as dt

import pytest
from sqlalchemy import text

from gateway import auth, create_app
from services.accounts.service import AccountsService
from services.common import config as cfg
from services.common import contracts
from tests.accounts.helpers import PASSWORD, create_staff, login_staff, post

TTL = 5


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class CountingRpc:
    """The app's RPC client, counting resolve_session calls."""

    def __init__(self, client):
        self.client = client
        self.resolves = 0

    def call(self, service, method, *args, **kwargs):
        if method == contracts.RPC_RESOLVE_SESSION:
            self.resolves += 1
        return self.client.call(service, method, *args, **kwargs)

    def close(self):
        self.client.close()


@pytest.fixture
def accounts(container_factory, config):
    container = container_factory(AccountsService, config)
    container.start()
    return container


def gateway_process(config):
    app = create_app({**config, contracts.ENV_SESSION_CACHE_SECONDS: str(TTL)})
    app.extensions["rpc"] = CountingRpc(app.extensions["rpc"])
    app.extensions["sessions"].clock = FakeClock()
    return app


@pytest.fixture
def gateways(config, accounts):
    apps = [gateway_process(config), gateway_process(config)]
    yield apps
    for app in apps:
        app.extensions["rpc"].close()


def advance(app, seconds):
    app.extensions["sessions"].clock.now += seconds


def logged_in(client):
    return client.get("/console/").status_code == 302 and \
        client.get("/console/").headers["Location"] == "/console/cases"


def cookie_of(client):
    return client.get_cookie("sme_session").value


def client_with(app, cookie):
    client = app.test_client()
    client.set_cookie("sme_session", cookie)
    return client


def test_a_burst_of_pages_resolves_the_session_once_per_window(gateways, config):
    app, _ = gateways
    create_staff(config, "admin1")
    client = app.test_client()
    login_staff(client, "admin1")
    counter = app.extensions["rpc"]
    counter.resolves = 0
    for _ in range(30):
        assert client.get("/console/staff").status_code == 200
    assert counter.resolves <= 1

    advance(app, TTL + 1)
    for _ in range(10):
        assert client.get("/console/staff").status_code == 200
    assert counter.resolves <= 2


def test_logout_ends_the_session_at_once_here_and_within_the_window_elsewhere(gateways, config):
    here, elsewhere = gateways
    create_staff(config, "rev1", kind=contracts.REVIEWER, level=contracts.COUNTY, region="320102")
    client = here.test_client()
    login_staff(client, "rev1")
    cookie = cookie_of(client)
    other = client_with(elsewhere, cookie)
    assert logged_in(other)  # the other process holds the session now

    post(client, "/console/logout", {})
    assert not logged_in(client_with(here, cookie))
    advance(elsewhere, TTL)
    assert not logged_in(client_with(elsewhere, cookie))


def test_disabling_a_reviewer_refuses_the_old_cookie_in_every_process(gateways, config, db_engine):
    here, elsewhere = gateways
    create_staff(config, "admin1")
    create_staff(config, "rev1", kind=contracts.REVIEWER, level=contracts.COUNTY, region="320102")
    reviewer = here.test_client()
    login_staff(reviewer, "rev1")
    cookie = cookie_of(reviewer)
    assert logged_in(client_with(elsewhere, cookie))

    admin = here.test_client()
    login_staff(admin, "admin1")
    assert post(admin, f"/console/staff/{account_id(db_engine, 'rev1')}/disable", {"disabled": "1"}).status_code == 302
    assert not logged_in(client_with(here, cookie))
    advance(elsewhere, TTL)
    assert not logged_in(client_with(elsewhere, cookie))


def test_a_password_change_ends_the_other_sessions_within_the_window(gateways, config, db_engine):
    here, elsewhere = gateways
    create_staff(config, "admin1")
    first = here.test_client()
    login_staff(first, "admin1")
    old_cookie = cookie_of(first)
    assert logged_in(client_with(elsewhere, old_cookie))

    # The same person resets the password from another browser (an admin's own account).
    admin = elsewhere.test_client()
    login_staff(admin, "admin1")
    new_password = PASSWORD + "2"
    changed = post(admin, f"/console/staff/{account_id(db_engine, 'admin1')}/password", {"password": new_password, "password2": new_password})
    assert changed.status_code == 302
    assert not logged_in(client_with(elsewhere, old_cookie))  # at once where it was done
    advance(here, TTL)
    assert not logged_in(client_with(here, old_cookie))  # within the window elsewhere


def test_the_absolute_lifetime_holds_inside_the_window(gateways, config, db_engine):
    app, _ = gateways
    create_staff(config, "admin1")
    client = app.test_client()
    login_staff(client, "admin1")
    login_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=12) + dt.timedelta(seconds=2)
    set_login_time(db_engine, login_at)  # the login was 12 hours ago less two seconds
    advance(app, TTL + 1)
    assert logged_in(client)  # resolved again: two seconds left
    # Three seconds later (the service's clock moved as the gateway's did):
    # within the window, but past the session's end.
    set_login_time(db_engine, login_at - dt.timedelta(seconds=3))
    advance(app, 3)
    assert not logged_in(client)


def set_login_time(db_engine, moment):
    with db_engine(contracts.ACCOUNTS).begin() as conn:
        conn.execute(text("UPDATE sessions SET created_at = :at, last_seen_at = :now"),
                     {"at": moment, "now": dt.datetime.now(dt.timezone.utc)})


def test_the_window_is_bounded():
    assert auth.cache_seconds({}) == 5
    assert auth.cache_seconds({contracts.ENV_SESSION_CACHE_SECONDS: "0"}) == 0
    for bad in ("31", "-1", "5s", "600"):
        with pytest.raises(cfg.UnsafeConfiguration):
            auth.cache_seconds({contracts.ENV_SESSION_CACHE_SECONDS: bad})


def account_id(db_engine, username):
    with db_engine(contracts.ACCOUNTS).connect() as conn:
        return conn.execute(text("SELECT id FROM accounts WHERE username = :u"), {"u": username}).scalar_one()
