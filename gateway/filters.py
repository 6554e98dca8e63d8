"""The Jinja filters of the gateway's pages, registered once for the app.

`beijing` shows a moment (a datetime, or an ISO 8601 string as RPC results
carry them) in Beijing time, "2026-11-28 14:05", or with a format:
`{{ at | beijing("%Y-%m-%d %H:%M:%S") }}`; nothing for None. It is
services.common.clock.show, the one rule for what a page or a file shows of a
time.
"""
from services.common import clock

TIME_FILTER = "beijing"
# Earlier names of the same filter, still used by templates.
TIME_FILTER_ALIASES = ("decl_time", "review_time")


def init_app(app):
    """Register the filters; after the blueprints, so that a blueprint's
    filter of the same name gives way to the app's."""
    for name in (TIME_FILTER,) + TIME_FILTER_ALIASES:
        app.add_template_filter(clock.show, name)
