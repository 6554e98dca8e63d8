"""The gateway's /healthz and its RPC client against services running on the
real broker: green when all five answer, 503 within the timeout when one is
stopped, and pages that need a stopped service answer 503 '系统繁忙'."""
import pytest
from flask import Blueprint

from gateway import create_app, rpc
from services.common import contracts as c
from tests.common.test_health import ALL


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
    assert set(body["services"]) == set(c.SERVICES)
    for answer in body["services"].values():
        assert answer["ok"] is True
        assert answer["ms"] >= 0


def test_a_stopped_service_turns_healthz_and_pages_into_503(system, app):
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    system.service_map[c.ACCOUNTS].stop()

    response = client.get("/healthz")
    assert response.status_code == 503
    services = response.get_json()["services"]
    assert services[c.ACCOUNTS]["ok"] is False
    assert "timed out" in services[c.ACCOUNTS]["error"]
    assert all(services[s]["ok"] for s in c.SERVICES if s != c.ACCOUNTS)

    page = client.get("/needs-accounts")
    assert page.status_code == 503
    assert "系统繁忙，请稍后再试" in page.get_data(as_text=True)


def test_home_page_is_in_chinese_with_the_manual_entry_points(app):
    html = app.test_client().get("/").get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    assert "您好，请登录" in html and "用户中心" in html
