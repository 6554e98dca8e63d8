"""Every page shows a time the same way: the gateway's one time filter
(`beijing`, and the earlier names templates still use) is clock.show."""
import datetime as dt

import pytest

from gateway import create_app
from gateway.filters import TIME_FILTER, TIME_FILTER_ALIASES

UTC_AFTERNOON = "2026-11-28T06:05:00+00:00"


@pytest.fixture(scope="module")
def app():
    app = create_app()
    yield app
    app.extensions["rpc"].close()


@pytest.mark.parametrize("name", (TIME_FILTER,) + TIME_FILTER_ALIASES)
@pytest.mark.parametrize("value, shown", [
    (UTC_AFTERNOON, "2026-11-28 14:05"),
    ("2026-11-28T06:05:00", "2026-11-28 14:05"),  # naive ISO (SQLite): UTC
    (dt.datetime(2026, 11, 28, 16, 30, tzinfo=dt.timezone.utc), "2026-11-29 00:30"),  # the next Beijing day
    (dt.datetime(2026, 11, 28, 16, 30), "2026-11-29 00:30"),  # naive datetime: UTC, whatever the host's zone
    (None, ""),
    ("", ""),
])
def test_every_time_filter_shows_beijing_time(app, name, value, shown):
    with app.app_context():
        template = app.jinja_env.from_string("{{ value | %s }}" % name)
        assert template.render(value=value) == shown


def test_the_time_filter_takes_a_format(app):
    with app.app_context():
        template = app.jinja_env.from_string('{{ value | beijing("%Y-%m-%d %H:%M:%S") }}')
        assert template.render(value=UTC_AFTERNOON) == "2026-11-28 14:05:00"
