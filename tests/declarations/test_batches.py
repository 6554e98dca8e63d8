"""A batch's days are Beijing days, whatever the database gives back."""
import datetime as dt
from types import SimpleNamespace

from services.common.clock import beijing_day, day_end, day_start
from services.declarations import batches

UTC = dt.timezone.utc


def test_a_closing_day_lasts_until_235959_beijing_time():
    end = day_end(dt.date(2026, 3, 31))
    assert end == dt.datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC)
    assert beijing_day(end).isoformat() == "2026-03-31"
    assert day_start(dt.date(2026, 3, 1)) == dt.datetime(2026, 2, 28, 16, 0, tzinfo=UTC)


def test_open_also_with_the_naive_times_sqlite_returns():
    batch = SimpleNamespace(
        opens_at=dt.datetime(2026, 2, 28, 16, 0), closes_at=dt.datetime(2026, 3, 31, 15, 59, 59),
        resubmit_until=dt.datetime(2026, 4, 30, 15, 59, 59),
    )
    assert batches.is_open(batch, dt.datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC))
    assert not batches.is_open(batch, dt.datetime(2026, 3, 31, 16, 0, 0, tzinfo=UTC))
    assert not batches.is_open(batch, dt.datetime(2026, 2, 28, 15, 59, 59, tzinfo=UTC))
