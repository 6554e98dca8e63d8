"""The gateway's /healthz and its RPC client against services running on the
real broker: green when all five answer, 503 within the timeout when one is
stopped, and pages that need a stopped service answer 503 '系统繁忙'."""
import time

import pytest
from flask import Blueprint

from gateway import create_app, rpc
from services.common import contracts as c
from tests.support.services import ALL


@pytest.fixture
def system(runner_factory, config):
    runner = runner_factory(config, *ALL)
    runner.start()
    return runner


@pytest.fixture
def app(config):
    app = create_app({**config, c.ENV_RPC_TIMEOUT: "2"})
    needs_accounts = Blueprint("needs_accounts", __name__)

    @needs_accounts.get("/needs-accounts")
    def page():
        return rpc(c.ACCOUNTS, c.RPC_HEALTH)

    app.register_blueprint(needs_accounts)
    yield app
    app.extensions["rpc"].close()


def test_healthz_reports_every_service(system, app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and set(body["services"]) == set(c.SERVICES)
    # the public answer says what is up, nothing of timings or errors
    assert all(answer == {"ok": True} for answer in body["services"].values())


def test_healthz_is_shared_for_a_moment_and_liveness_and_readiness_are_cheap(system, app, monkeypatch):
    from gateway import health

    calls = []
    real = health.check_service
    monkeypatch.setattr(health, "check_service", lambda client, s: calls.append(s) or real(client, s))
    client = app.test_client()
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
    assert sorted(calls) == sorted(c.SERVICES)  # five callers, one round of RPCs
    assert client.get("/livez").get_json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    assert len(calls) == len(c.SERVICES)  # neither asks a service


def test_a_stopped_service_turns_healthz_and_pages_into_503(system, app):
    from gateway import health

    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    system.service_map[c.ACCOUNTS].stop()
    time.sleep(health.HEALTHZ_CACHE)

    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    services = body["services"]
    assert body["status"] == "unavailable" and services[c.ACCOUNTS] == {"ok": False}
    assert "timed out" not in response.get_data(as_text=True)
    assert all(services[s]["ok"] for s in c.SERVICES if s != c.ACCOUNTS)

    page = client.get("/needs-accounts")
    assert page.status_code == 503
    assert "系统繁忙，请稍后再试" in page.get_data(as_text=True)


def test_home_page_is_in_chinese_with_the_manual_entry_points(app):
    html = app.test_client().get("/").get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    assert "您好，请登录" in html and "用户中心" in html
