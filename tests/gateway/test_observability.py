"""One portal request followed through the gateway and three services by
its correlation id; the gateway's and a service's metrics scraped after it;
a service process's liveness and readiness. Real accounts, declarations and
tenants services on RabbitMQ and PostgreSQL."""
import io
import json
import logging
import socket
import urllib.request

import pytest

from gateway import create_app
from services.accounts.service import AccountsService
from services.common import contracts as c
from services.common import logs, metrics
from services.declarations.service import DeclarationsService
from services.tenants.service import TenantsService
from tests.accounts.helpers import register_and_login
from tests.declarations.helpers import ADMIN, batch_form
from tests.declarations.fixtures import proxy
from tests.gateway.portal_declaration import started_declaration


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def services_config(config, tmp_path):
    return {**config, c.ENV_BLOB_DIR: str(tmp_path / "blobs"), c.ENV_METRICS_PORT: str(free_port()),
            c.ENV_METRICS_ADDR: "127.0.0.1"}


@pytest.fixture
def system(runner_factory, services_config):
    runner = runner_factory(services_config, AccountsService, DeclarationsService, TenantsService)
    runner.start()
    return runner


@pytest.fixture
def app(services_config):
    # behind one trusted proxy, which sets X-Request-ID; every request resolves
    # its session, so the request followed reaches accounts too
    app = create_app({**services_config, c.ENV_TRUSTED_PROXIES: "1", c.ENV_SESSION_CACHE_SECONDS: "0"})
    yield app
    app.extensions["rpc"].close()


@pytest.fixture
def json_lines():
    """Every log line of this process, as the JSON formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter("json"))
    handler.addFilter(logs.ContextFilter("gateway"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(old_level)


def scrape(port, path="/metrics"):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return response.status, response.read().decode()


def test_one_portal_request_is_followed_through_three_services_by_its_id(system, app, services_config, json_lines):
    with proxy(c.DECLARATIONS, services_config, ADMIN) as admin:
        batch = admin.save_batch(batch_form())
    client = app.test_client()
    register_and_login(client, services_config)
    did = started_declaration(client, batch)

    request_id = "req-7f3a9c2e51d0"
    page = client.get(f"/center/declarations/{did}/tenants", headers={c.REQUEST_ID_HEADER: request_id})
    assert page.status_code == 200 and page.headers[c.REQUEST_ID_HEADER] == request_id

    lines = [line for line in json_lines() if line["correlation_id"] == request_id]
    by_service = {}
    for line in lines:
        by_service.setdefault(line["service"], []).append(line["message"])
    # the session (accounts), the declaration (declarations), the QR link (tenants)
    assert {c.ACCOUNTS, c.DECLARATIONS, c.TENANTS} <= set(by_service), by_service
    assert any(m.startswith("accounts.resolve_session ok") for m in by_service[c.ACCOUNTS])
    assert any(m.startswith("declarations.get ok") for m in by_service[c.DECLARATIONS])
    assert any(m.startswith("tenants.") for m in by_service[c.TENANTS])
    for line in lines:
        assert {"time", "level", "service", "logger", "message", "correlation_id"} <= set(line)

    # every request gets an id of its own; an id from an untrusted client is not taken
    other = client.get("/center")
    assert other.headers[c.REQUEST_ID_HEADER] not in ("", request_id)
    direct = create_app(services_config)
    try:
        answer = direct.test_client().get("/", headers={c.REQUEST_ID_HEADER: "forged-by-client-0001"})
        assert answer.headers[c.REQUEST_ID_HEADER] != "forged-by-client-0001"
    finally:
        direct.extensions["rpc"].close()


def test_the_gateway_and_a_service_expose_metrics_an_operator_can_alert_on(system, app, services_config):
    with proxy(c.DECLARATIONS, services_config, ADMIN) as admin:
        batch = admin.save_batch(batch_form())
    client = app.test_client()
    register_and_login(client, services_config)
    did = started_declaration(client, batch)
    assert client.get(f"/center/declarations/{did}").status_code == 200

    gateway = client.get("/metrics")
    assert gateway.status_code == 200
    text = gateway.get_data(as_text=True)
    assert 'sme_gateway_requests_total{method="GET",route="/center/declarations/<declaration_id>",status="200"}' in text
    assert 'sme_gateway_request_seconds_bucket{le="0.005",method="GET",route="/center/declarations/<declaration_id>"}' in text
    assert 'sme_gateway_rpc_seconds_count{method="get",service="declarations"}' in text
    assert "sme_gateway_rpc_timeouts_total" in text

    port = metrics.server_port()
    status, service_text = scrape(port)
    assert status == 200
    for sample in (
        'sme_service_rpc_seconds_count{method="get",service="declarations"}',
        'sme_service_workers_max{service="declarations"} 10.0',
        'sme_service_workers_busy{service="accounts"}',
        'sme_outbox_backlog{service="declarations"}',
        'sme_outbox_oldest_unpublished_seconds{service="declarations"}',
        'sme_events_parked{service="declarations"} 0.0',
        'sme_events_retry_waiting{service="tenants"} 0.0',
    ):
        assert sample in service_text, sample
    assert scrape(port, "/livez") == (200, '{"status": "ok"}')
    status, body = scrape(port, "/readyz")
    assert status == 200 and json.loads(body)["status"] == "ok"


def test_metrics_may_require_a_token(system, services_config):
    app = create_app({**services_config, c.ENV_METRICS_TOKEN: "scrape-secret"})
    try:
        client = app.test_client()
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200
    finally:
        app.extensions["rpc"].close()


def test_in_production_metrics_are_not_served_through_the_proxy(system, services_config):
    app = create_app({**services_config, c.ENV_APP_ENV: "production", c.ENV_SECRET_KEY: "k" * 40, c.ENV_PUBLIC_BASE_URL: "https://sme.example.gov.cn",
                      c.ENV_PRINCIPAL_SECRET: "p" * 40, c.ENV_TRUSTED_PROXIES: "1"})
    try:
        client = app.test_client()
        assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404
        assert client.get("/metrics").status_code == 200  # the scraper, straight to the pod
    finally:
        app.extensions["rpc"].close()
