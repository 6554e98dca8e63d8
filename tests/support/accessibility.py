"""An automated accessibility check of the page a browser test is on:
axe-core (axe-playwright-python) against WCAG 2.0/2.1/2.2 A and AA; a test
fails on any serious or critical violation, with axe's report of it."""
from axe_playwright_python.sync_playwright import Axe

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")
_AXE = Axe()


def violations(page):
    """The serious and critical violations on `page`: [(rule id, impact,
    [targets], help)]."""
    results = _AXE.run(page, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    return [
        (v["id"], v["impact"], [", ".join(n["target"]) for n in v["nodes"]][:5], v["help"])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def assert_accessible(page, where=""):
    found = violations(page)
    assert not found, f"axe on {where or page.url}: " + "; ".join(
        f"{rule} ({impact}) {help} at {targets}" for rule, impact, targets, help in found
    )


def focused_on_error_summary(page):
    """True when the keyboard focus is on the page's error summary."""
    return page.evaluate(
        "() => !!document.activeElement && document.activeElement.classList.contains('error-summary')"
    )
