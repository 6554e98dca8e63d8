"""Every page of the gateway, whoever asks (anonymous, an enterprise, an
admin) and however it ends (a page, a redirect, 404, 503), carries the
strict Content-Security-Policy (no inline script or style, no framing by
another site) and the other security headers; production adds HSTS. The
pages a user reaches by following links hold no inline code the policy
would block."""
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest

from gateway import create_app
from services.common import contracts as c
from tests.accounts.helpers import create_staff, login_staff, post, register_and_login
from tests.declarations.fixtures import proxy
from tests.declarations.helpers import ADMIN, batch_form
from tests.support.inline_code import inline_code
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


STRICT = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
    "object-src": "'none'", "base-uri": "'self'", "form-action": "'self'", "frame-ancestors": "'none'",
}


def policy(header):
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {d[0]: (d[1] if len(d) > 1 else "") for d in directives}


def assert_protected(response, path, production=False):
    headers = response.headers
    assert policy(headers.get("Content-Security-Policy", "")) == STRICT, (path, response.status_code)
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


LINK = re.compile(r'(?:href|src|action)="([^"#]*)"|value="([^"]*)" id="intake-url"')
NEVER_GET = ("/logout", "/console/logout")


def links(base, html):
    for match in LINK.finditer(html):
        url = urljoin(base, match.group(1) or match.group(2) or "")
        parts = urlsplit(url)
        if parts.netloc in ("", "localhost") and parts.path.startswith("/"):
            yield parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, start, limit=300):
    """Every page reachable from `start` by following the links of the
    pages (each path once, whatever its query)."""
    seen, queue, pages = set(), deque(start), []
    while queue and len(seen) < limit:
        url = queue.popleft()
        path = urlsplit(url).path
        if path in seen or path.endswith(NEVER_GET):
            continue
        seen.add(path)
        response = client.get(url)
        pages.append((url, response))
        if response.status_code in (301, 302, 303) and response.headers.get("Location"):
            queue.extend(links("http://localhost" + path, f'href="{response.headers["Location"]}"'))
        if response.mimetype == "text/html":
            queue.extend(links("http://localhost" + path, response.get_data(as_text=True)))
    return pages


def test_every_page_a_user_reaches_is_strict_and_holds_no_inline_code(system, app, services_config):
    with proxy(c.DECLARATIONS, services_config, ADMIN) as declarations:
        batch = declarations.save_batch(batch_form())
    enterprise = app.test_client()
    register_and_login(enterprise, services_config)
    started = post(enterprise, f"/center/declarations/start/{batch['id']}", {"accept": "1"})
    assert started.status_code == 302
    create_staff(services_config, "crawl_admin", kind=c.ADMIN)
    admin = app.test_client()
    login_staff(admin, "crawl_admin")
    reached = set()
    for client, start in ((app.test_client(), ["/", "/api/v1/docs"]), (enterprise, ["/center"]),
                          (admin, ["/console"])):
        for url, response in crawl(client, start):
            reached.add(urlsplit(url).path)
            assert_protected(response, url)
            if response.mimetype == "text/html":
                assert inline_code(response.get_data(as_text=True)) == [], url
    declaration_pages = {p for p in reached if p.startswith("/center/declarations/") and "/start/" not in p}
    assert len(declaration_pages) > 5, sorted(reached)
    assert {"/", "/register", "/login", "/center", "/console/cases", "/api/v1/docs"} <= reached, sorted(reached)
