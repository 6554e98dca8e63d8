"""Browser tests: Playwright driving Debian's Chromium against the whole
system started as `make run` starts it (deploy/local.py), on a RabbitMQ vhost
and a PostgreSQL database of their own.

They run in their own pytest process, without eventlet's monkey patch
(Playwright's sync API hangs on exit in a patched process):

    make test-browser     # SME_BROWSER_TESTS=1 pytest tests/browser

Fixtures:
- `system`: the started system (session-wide): `system.url`, `system.env`
  (e.g. `system.env["AMQP_URI"]` for tests.support.events), `system.log_dir`;
- `browser`: one headless Chromium per session (a fresh temporary profile);
- `page`: a new browser context (own cookies, zh-CN) and page per test, with
  relative URLs resolved against the system (`page.goto("/")`).

On a failure the page's screenshot and the tail of every service log are
added to the report.
"""
import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SME_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000


def chromium_missing():
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (install Debian's `chromium` package, as .ci/run does)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = chromium_missing()
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    page = item.funcargs.get("page")
    if page is not None:
        shot = Path(item.funcargs["tmp_path"]) / "failure.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
            report.sections.append(("screenshot", str(shot)))
        except Exception as exc:  # the page may be gone; the logs still help
            report.sections.append(("screenshot", f"unavailable: {exc}"))
    system = item.funcargs.get("system")
    if system is not None:
        from tests.support.system import log_tail

        report.sections.append(("service logs", log_tail(system)))


@pytest.fixture(scope="session")
def system(tmp_path_factory):
    if os.environ.get("SME_BROWSER_TESTS") != "1":
        pytest.fail("browser tests run with SME_BROWSER_TESTS=1 (make test-browser)")
    from tests.support.system import running_system

    with running_system(tmp_path_factory.mktemp("system")) as started:
        yield started


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # launch() gives Chromium a new temporary profile directory, removed
        # when the browser closes.
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, system, tmp_path):
    context = browser.new_context(base_url=system.url, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()
