"""Declarations through the portal on the real declarations and tenants
services with a stand-in accounts: sessions, a batch, 开始申报, and posting
the portal's forms."""
import re

import pytest

from services.common import contracts as c
from services.common.entrypoints import rpc
from services.declarations.service import DeclarationsService
from services.tenants.service import TenantsService
from tests.declarations.fixtures import proxy
from tests.declarations.helpers import ADMIN, application, batch_form, enterprise, reviewer


OWNER = enterprise("ent-1")

OTHER = enterprise("ent-2")

SESSIONS = {"token-1": OWNER, "token-2": OTHER, "token-county": reviewer(c.COUNTY, "320102"),
            "token-other-county": reviewer(c.COUNTY, "320583")}

_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class StandInAccounts:
    """Resolves the two test sessions; the real service is tested in its area."""

    name = c.ACCOUNTS

    @rpc(public=True)
    def resolve_session(self, token):
        p = SESSIONS.get(token)
        if p is None:
            return None
        return {
            "principal": {"kind": p.kind, "id": p.id, "region_code": p.region_code, "level": p.level},
            "account": {"id": p.id, "kind": p.kind, "username": p.id, "display_name": "南京玄武创业服务有限公司",
                        "region_code": p.region_code, "level": p.level},
        }

    @rpc
    def enterprise_summary(self, enterprise_id):
        return {"id": enterprise_id, "name": "南京玄武创业服务有限公司", "credit_code": application()["credit_code"],
                "region_code": "320102", "contact_name": "李四", "contact_phone": "13912345678"}


@pytest.fixture
def services_config(config, tmp_path):
    return {**config, c.ENV_BLOB_DIR: str(tmp_path / "blobs")}


@pytest.fixture
def system(runner_factory, services_config):
    runner = runner_factory(services_config, DeclarationsService, TenantsService, StandInAccounts)
    runner.start()
    return runner


@pytest.fixture
def batch(system, services_config):
    with proxy(c.DECLARATIONS, services_config, ADMIN) as admin:
        return admin.save_batch(batch_form(required_attachments=["申请报告"]))


def client_of(app, token):
    client = app.test_client()
    client.set_cookie("sme_session", token)
    return client


def post(client, path, data=None, **kwargs):
    html = client.get("/center/declarations").get_data(as_text=True)
    data = dict(data or {})
    data["csrf_token"] = _TOKEN.search(html).group(1)
    return client.post(path, data=data, **kwargs)


def start(client, batch):
    response = post(client, f"/center/declarations/start/{batch['id']}", {"accept": "1"})
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[-1]


def text(response):
    return response.get_data(as_text=True)
