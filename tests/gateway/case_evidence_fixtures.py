"""A submitted case on the real declarations, tenants and review services,
with a stand-in accounts resolving the test sessions of an owner, another
enterprise and two county reviewers; a client of a session, and waiting
until a page shows what an event brought."""
import eventlet
import pytest

from services.common import contracts as c
from services.common.entrypoints import rpc
from services.declarations.service import DeclarationsService
from services.review.service import ReviewService
from services.tenants.service import TenantsService
from tests.declarations.fixtures import PUBLIC, proxy, submitted_declaration
from tests.declarations.helpers import ADMIN, application, batch_form, enterprise, reviewer

SESSIONS = {
    "t-owner": enterprise("ent-1"),
    "t-other": enterprise("ent-2"),
    "t-county": reviewer(c.COUNTY, "320102"),
    "t-other-county": reviewer(c.COUNTY, "320104"),
}


class StandInAccounts:
    """Resolves the test sessions; the real accounts service is tested in its area."""

    name = c.ACCOUNTS

    @rpc(public=True)
    def resolve_session(self, token):
        p = SESSIONS.get(token)
        if p is None:
            return None
        principal = {"kind": p.kind, "id": p.id, "region_code": p.region_code, "level": p.level}
        return {"principal": principal, "account": {**principal, "username": p.id, "display_name": p.id}}

    @rpc
    def enterprise_summary(self, enterprise_id):
        """The enterprise as accounts holds it: 提交 checks the 申请表 against it."""
        return {"id": enterprise_id, "name": application()["operator_name"], "credit_code": application()["credit_code"],
                "region_code": "320102", "contact_name": "李四", "contact_phone": "13912345678"}

    @rpc
    def staff_names(self, ids):
        return {}


@pytest.fixture
def services_config(config, tmp_path):
    return {**config, c.ENV_BLOB_DIR: str(tmp_path / "blobs"), c.ENV_PUBLIC_BASE_URL: PUBLIC}


@pytest.fixture
def system(runner_factory, services_config):
    runner = runner_factory(services_config, DeclarationsService, TenantsService, ReviewService, StandInAccounts)
    runner.start()
    return runner


@pytest.fixture
def case(system, services_config):
    with proxy(c.DECLARATIONS, services_config, ADMIN) as admin:
        batch = admin.save_batch(batch_form())
    return submitted_declaration(services_config, batch, SESSIONS["t-owner"])


def client_of(app, token):
    client = app.test_client()
    client.set_cookie("sme_session", token)
    return client


def wait_for(client, path, text, tries=100):
    for _ in range(tries):
        response = client.get(path)
        if response.status_code == 200 and text in response.get_data(as_text=True):
            return response.get_data(as_text=True)
        eventlet.sleep(0.1)
    raise AssertionError(f"{path} never showed {text!r}")
