import datetime as dt

from services.common import clock


def test_naive_times_are_taken_as_utc_and_shown_in_beijing_time():
    naive = dt.datetime(2026, 11, 30, 16, 30)
    assert clock.utc(naive).tzinfo == dt.timezone.utc
    assert clock.show(naive) == "2026-12-01 00:30"
    assert clock.show("2026-11-30T16:30:00+00:00") == "2026-12-01 00:30"
    assert clock.show(None) == ""
    assert clock.beijing_day(naive) == dt.date(2026, 12, 1)


def test_a_day_ends_at_the_last_second_of_beijing_time():
    day = dt.date(2026, 12, 31)
    assert clock.day_end(day) == dt.datetime(2026, 12, 31, 15, 59, 59, tzinfo=dt.timezone.utc)
    assert clock.day_start(day) == dt.datetime(2026, 12, 30, 16, 0, tzinfo=dt.timezone.utc)

