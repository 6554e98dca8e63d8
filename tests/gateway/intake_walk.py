"""Tenant intake through the gateway: a link opened by the owner on the real
tenants service, and a tenant walking the steps in WeChat."""
import datetime as dt

import pytest

from services.tenants.service import TenantsService
from tests.support.web import hidden_fields
from tests.tenants.helpers import BASE_NAME, OWNER, proxy, started


DECL = "decl-gw-1"

CLOSES = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)).isoformat()

WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
)


@pytest.fixture
def owner(container_factory, config):
    container_factory(TenantsService, config).start()
    with proxy(config, OWNER) as p:
        yield p


@pytest.fixture
def token(owner, config):
    started(config, DECL)
    return owner.open_link(DECL, BASE_NAME, CLOSES)["token"]


def post_form(client, url, data):
    page = client.get(url, headers={"User-Agent": WECHAT_UA})
    body = {**hidden_fields(page.get_data(as_text=True)), **data}
    return client.post(url, data=body, headers={"User-Agent": WECHAT_UA})


def walk(client, token, data):
    for step in ("base", "basic", "operations"):
        response = post_form(client, f"/intake/{token}/step/{step}", data[step])
        assert response.status_code == 302, response.get_data(as_text=True)
    return client.post(
        f"/intake/{token}/submit",
        data=hidden_fields(client.get(f"/intake/{token}/summary").get_data(as_text=True)),
    )
