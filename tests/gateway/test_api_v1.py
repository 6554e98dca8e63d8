"""/api/v1 through the gateway against the real accounts and declarations
services: an enterprise's API token (created and revoked in 用户中心, kept
hashed, rate-limited) reads its own declarations, their sections and states
and nothing of another enterprise's; errors are problem details; the
OpenAPI document comes from the services' rule tables, and schemathesis
fuzzes the API against it."""
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy import text

from gateway import create_app
from services.accounts.service import AccountsService
from services.common import contracts as c
from services.declarations import sections as s
from services.declarations.service import DeclarationsService
from services.tenants.service import TenantsService
from tests.accounts.helpers import create_staff, login_staff, post, register_and_login
from tests.declarations.helpers import ADMIN, batch_form, person
from tests.declarations.fixtures import proxy
from tests.gateway.portal_declaration import started_declaration  # noqa: F401


PROBLEM = "application/problem+json"


@pytest.fixture
def services_config(config, tmp_path):
    return {**config, c.ENV_BLOB_DIR: str(tmp_path / "blobs"), c.ENV_API_TOKEN_PER_MINUTE: "1000"}


@pytest.fixture
def system(runner_factory, services_config):
    runner = runner_factory(services_config, AccountsService, DeclarationsService, TenantsService)
    runner.start()
    return runner


@pytest.fixture
def batch(system, services_config):
    with proxy(c.DECLARATIONS, services_config, ADMIN) as admin:
        return admin.save_batch(batch_form())


def create_token(client, name="市平台对接"):
    page = post(client, "/center/api-tokens", {"name": name})
    assert page.status_code == 200, page.get_data(as_text=True)
    return re.search(r'<code id="new-api-token">([^<]+)</code>', page.get_data(as_text=True)).group(1)


def enterprise_with_declaration(app, services_config, batch):
    client = app.test_client()
    register_and_login(client, services_config)
    did = started_declaration(client, batch)
    return client, did, create_token(client)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_token_reads_the_enterprises_own_declarations_sections_and_states(system, app, services_config, batch, db_engine):
    client, did, token = enterprise_with_declaration(app, services_config, batch)
    api = app.test_client()  # no cookie: the token alone

    listing = api.get("/api/v1/declarations", headers=bearer(token))
    assert listing.status_code == 200
    [item] = listing.get_json()["items"]
    assert item["id"] == did and item["state"] == c.DRAFT and item["state_label"] == "填报中"

    one = api.get(f"/api/v1/declarations/{did}", headers=bearer(token)).get_json()
    assert one["section_states"]["application"]["state"] and one["return_reason"] is None
    data = api.get(f"/api/v1/declarations/{did}/sections/application", headers=bearer(token)).get_json()
    assert data["label"] == "申请表" and data["data"]["base_name"] == "玄武创业园"
    rows = api.get(f"/api/v1/declarations/{did}/sections/personnel", headers=bearer(token)).get_json()
    assert [r["name"] for r in rows["items"]] == [person()["name"]] and rows["items"][0]["id"]
    states = api.get(f"/api/v1/declarations/{did}/states", headers=bearer(token)).get_json()["items"]
    assert [t["to_state"] for t in states] == [c.DRAFT] and "actor_id" not in states[0]
    # the portal's session works too
    assert client.get("/api/v1/declarations").get_json()["items"][0]["id"] == did

    # another enterprise's token reaches none of it
    _other_client, _other_did, other_token = enterprise_with_declaration(app, services_config, batch)
    refused = api.get(f"/api/v1/declarations/{did}", headers=bearer(other_token))
    assert refused.status_code == 404 and refused.mimetype == PROBLEM
    assert refused.get_json()["detail"] and refused.get_json()["status"] == 404
    assert did not in {d["id"] for d in api.get("/api/v1/declarations", headers=bearer(other_token)).get_json()["items"]}

    # only the hash is kept
    with db_engine(c.ACCOUNTS).connect() as conn:
        stored = conn.execute(text("SELECT token_hash, prefix FROM api_tokens")).all()
    assert len(stored) == 2 and all(token not in row and other_token not in row for row in stored)

    # 撤销 in 用户中心: the token stops working at once
    page = client.get("/center/api-tokens").get_data(as_text=True)
    assert "市平台对接" in page and token not in page
    token_id = re.search(r'name="revoke" value="([^"]+)"', page).group(1)
    assert post(client, "/center/api-tokens", {"revoke": token_id}).status_code == 200
    gone = api.get("/api/v1/declarations", headers=bearer(token))
    assert gone.status_code == 401 and gone.mimetype == PROBLEM
    assert gone.get_json()["detail"] == "API 令牌无效或已撤销" and gone.headers["WWW-Authenticate"].startswith("Bearer")


def test_staff_and_anonymous_callers_get_problem_details(system, app, services_config):
    anonymous = app.test_client().get("/api/v1/declarations")
    assert anonymous.status_code == 401 and anonymous.mimetype == PROBLEM
    assert anonymous.get_json() == {
        "type": "about:blank", "title": "Unauthorized", "status": 401,
        "detail": "请先登录，或使用 API 令牌", "instance": "/api/v1/declarations",
    }
    missing = app.test_client().get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    wrong_scheme = app.test_client().get("/api/v1/declarations", headers={"Authorization": "Basic eDp5"})
    assert wrong_scheme.status_code == 401 and wrong_scheme.mimetype == PROBLEM

    create_staff(services_config, "api_admin", kind=c.ADMIN)
    staff = app.test_client()
    login_staff(staff, "api_admin")
    refused = staff.get("/api/v1/declarations")
    assert refused.status_code == 403 and refused.mimetype == PROBLEM
    assert refused.get_json()["detail"] == "此接口仅供企业账号使用"


def test_a_token_past_its_allowance_is_refused_with_retry_after(runner_factory, services_config):
    limited = {**services_config, c.ENV_API_TOKEN_PER_MINUTE: "3"}
    runner_factory(limited, AccountsService, DeclarationsService, TenantsService).start()
    with proxy(c.DECLARATIONS, limited, ADMIN) as admin:
        batch = admin.save_batch(batch_form())
    app = create_app(limited)
    try:
        _client, _did, token = enterprise_with_declaration(app, limited, batch)
        api = app.test_client()
        answers = [api.get("/api/v1/declarations", headers=bearer(token)) for _ in range(7)]
        codes = [a.status_code for a in answers]
        # three a minute: at most one turn of the minute within seven quick requests
        assert 429 in codes and set(codes) == {200, 429} and codes[:3] == [200, 200, 200], codes
        refused = answers[codes.index(429)]
        assert refused.status_code == 429 and refused.mimetype == PROBLEM
        assert int(refused.headers["Retry-After"]) >= 1 and refused.get_json()["detail"] == "API 请求过于频繁，请稍后再试"
    finally:
        app.extensions["rpc"].close()


def test_the_openapi_document_is_built_from_the_rule_tables(system, app):
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    application_schema = doc["components"]["schemas"]["SectionApplication"]["properties"]
    for f in s.APPLICATION_SCHEMA:
        assert application_schema[f.key]["title"] == f.label
    revenue = next(f for f in s.APPLICATION_SCHEMA if f.key == "revenue")
    assert application_schema["revenue"]["description"].endswith(f"单位：{revenue.unit}）") or revenue.unit in application_schema["revenue"]["description"]
    assert "/declarations/{declaration_id}/sections/ledger" in doc["paths"]
    errors = doc["paths"]["/declarations"]["get"]["responses"]["401"]["content"]
    assert list(errors) == [PROBLEM]


def test_the_docs_page_is_served_without_a_cdn(system, app):
    client = app.test_client()
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "/api/v1/openapi.json" in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(u.startswith("/") and not u.startswith("//") for u in sources), sources
    for url in sources:
        assert client.get(url).status_code == 200, url
    assert "<script>" not in html  # no inline script


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_schemathesis_finds_no_server_error_and_every_response_conforms(system, app, services_config, batch, api_schema):
    """Every operation, with generated (valid and invalid) ids, anonymous and
    with the token, and on the enterprise's real declaration: no 5xx, every
    status, content type, header and body as the document says."""
    _client, did, token = enterprise_with_declaration(app, services_config, batch)
    for result in api_schema.get_all_operations():
        operation = result.ok()
        has_id = any(p.name == "declaration_id" for p in operation.path_parameters)

        @settings(max_examples=8, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def fuzz(case):
            case.call_and_validate(headers=bearer(token))
            case.call_and_validate()
            if has_id:
                case.path_parameters["declaration_id"] = did
                response = case.call_and_validate(headers=bearer(token))
                assert response.status_code == 200

        fuzz()
