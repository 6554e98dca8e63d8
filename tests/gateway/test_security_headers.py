"""Every page of the gateway, whoever asks (anonymous, an enterprise, an
admin) and however it ends (a page, a redirect, 404, 503), may not be
framed by another site and carries the other security headers; production
adds HSTS."""
import re

import pytest

from gateway import create_app
from services.common import contracts as c
from tests.accounts.helpers import create_staff, login_staff, register_and_login
from tests.support.services import ALL


ANY_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def services_config(config, tmp_path):
    return {**config, c.ENV_BLOB_DIR: str(tmp_path / "blobs"), c.ENV_RPC_TIMEOUT: "5"}


@pytest.fixture
def system(runner_factory, services_config):
    runner = runner_factory(services_config, *ALL)
    runner.start()
    return runner


def every_get_path(app):
    """Each GET route once, its arguments filled with an id that exists nowhere."""
    paths = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "api_v1.docs_asset"):
            continue
        path = re.sub(r"<int:[^>]+>", "1", rule.rule)
        path = re.sub(r"<(?:path:|string:)?[^>]+>", ANY_ID, path)
        paths.add(path)
    paths |= {"/static/site.css", "/api/v1/docs/assets/swagger-ui.css", "/no-such-page"}
    return sorted(paths)


def assert_protected(response, path, production=False):
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp, (path, response.status_code)
    assert headers.get("X-Frame-Options") == "DENY", path
    assert headers.get("X-Content-Type-Options") == "nosniff", path
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), path
    assert ("Strict-Transport-Security" in headers) is production, path


def test_every_page_forbids_framing_for_every_caller(system, app, services_config):
    anonymous = app.test_client()
    enterprise = app.test_client()
    register_and_login(enterprise, services_config)
    create_staff(services_config, "hdr_admin", kind=c.ADMIN)
    admin = app.test_client()
    login_staff(admin, "hdr_admin")
    statuses = set()
    paths = every_get_path(app)
    assert len(paths) > 40
    for client in (anonymous, enterprise, admin):
        for path in paths:
            response = client.get(path)
            statuses.add(response.status_code)
            assert_protected(response, path)
    assert {200, 302, 404} <= statuses


def test_production_adds_hsts(system, services_config):
    app = create_app({**services_config, c.ENV_APP_ENV: "production", c.ENV_SECRET_KEY: "k" * 40, c.ENV_PUBLIC_BASE_URL: "https://sme.example.gov.cn",
                      c.ENV_PRINCIPAL_SECRET: "p" * 40})
    try:
        client = app.test_client()
        for path in ("/", "/console/login", "/no-such-page", "/api/v1/states"):
            response = client.get(path)
            assert_protected(response, path, production=True)
            assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    finally:
        app.extensions["rpc"].close()


def test_the_intake_keeps_its_stricter_referrer_policy(system, app):
    response = app.test_client().get(f"/intake/{ANY_ID}")
    assert response.headers["Referrer-Policy"] == "no-referrer"
