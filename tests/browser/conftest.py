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

Every page runs under the gateway's strict Content-Security-Policy: a script,
handler or style the policy blocks is a control that silently does nothing,
so any violation Chromium reports in any page of any context of a test
(a console error "Refused to ... because it violates the following Content
Security Policy directive") fails the test.
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


class CspWatch:
    """Collects the Content-Security-Policy violations of the contexts it watches."""

    def __init__(self):
        self.violations = []

    def attach(self, context):
        # Chromium reports each violation as a console error ("Refused to
        # execute inline script because it violates the following Content
        # Security Policy directive: ..."): no script is added to the pages.
        context.on("console", self._console)

    def _console(self, message):
        text = message.text
        if message.type == "error" and (text.startswith("Refused to") or "Content Security Policy" in text):
            where = message.page.url if message.page else "?"
            self.violations.append(f"{where}: {text}")


class WatchedBrowser:
    """The session's Chromium; each context it opens is watched for violations."""

    def __init__(self, chromium, watch):
        self._chromium = chromium
        self._watch = watch

    def new_context(self, **kwargs):
        context = self._chromium.new_context(**kwargs)
        self._watch.attach(context)
        return context

    def new_page(self, **kwargs):
        return self.new_context(**kwargs).new_page()

    def __getattr__(self, name):
        return getattr(self._chromium, name)


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
def csp_watch():
    return CspWatch()


@pytest.fixture(autouse=True)
def no_csp_violation(csp_watch):
    csp_watch.violations.clear()
    yield
    if csp_watch.violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(csp_watch.violations), pytrace=False)


@pytest.fixture(scope="session")
def browser(csp_watch):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # launch() gives Chromium a new temporary profile directory, removed
        # when the browser closes.
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield WatchedBrowser(chromium, csp_watch)
        finally:
            chromium.close()


@pytest.fixture
def page(browser, system, tmp_path):
    context = browser.new_context(base_url=system.url, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()
