"""The journeys' guard against the Content-Security-Policy: a page whose
inline script and style the policy blocks is reported, so a journey that
meets one fails (tests/browser/conftest.py)."""

BLOCKED = """<!doctype html><html><head><style>p { color: red; }</style></head>
<body><p>blocked</p><script>document.title = 'ran';</script></body></html>"""


def test_a_blocked_inline_script_and_style_are_reported(browser, csp_watch):
    context = browser.new_context()
    page = context.new_page()
    page.route("http://csp.test/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body=BLOCKED,
        headers={"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'"}))
    with page.expect_console_message(lambda m: "script-src" in m.text), \
            page.expect_console_message(lambda m: "style-src" in m.text):
        page.goto("http://csp.test/probe")
    assert page.title() == ""  # the inline script did not run
    context.close()
    reported = list(csp_watch.violations)
    csp_watch.violations.clear()  # expected here; the journey guard must not fail this test
    assert any("script-src" in v for v in reported), reported
    assert any("style-src" in v for v in reported), reported
