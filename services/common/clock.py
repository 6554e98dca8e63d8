"""Time, once: UTC for storage and comparison, Beijing time for what people
read and for the day boundaries of batches and limits.

Every service and the gateway take "now" and the Beijing zone from here;
nothing else defines either. The module imports nothing from the kit.
"""
import datetime as dt

UTC = dt.timezone.utc
# China has kept UTC+8 all year since 1991; a fixed offset avoids depending on
# the tz database being installed in a slim container.
BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

MINUTE_FORMAT = "%Y-%m-%d %H:%M"
SECOND_FORMAT = "%Y-%m-%d %H:%M:%S"
DAY_FORMAT = "%Y-%m-%d"


def utcnow():
    """The current moment, timezone-aware, in UTC."""
    return dt.datetime.now(UTC)


def utc(moment):
    """`moment` as an aware UTC datetime; a naive one is taken as UTC (SQLite
    and some drivers hand back naive UTC). None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso(moment):
    """ISO 8601 in UTC, or None."""
    return utc(moment).isoformat() if moment is not None else None


def beijing(moment):
    """`moment` in Beijing time (aware); naive input is taken as UTC."""
    if moment is None:
        return None
    return utc(moment).astimezone(BEIJING)


def beijing_now():
    return utcnow().astimezone(BEIJING)


def beijing_today():
    return beijing_now().date()


def beijing_day(moment):
    """The Beijing calendar day of `moment` (a date), or None."""
    return beijing(moment).date() if moment is not None else None


def day_start(day):
    """00:00:00 Beijing time of `day`, as UTC."""
    return dt.datetime.combine(day, dt.time(0, 0), BEIJING).astimezone(UTC)


def day_end(day):
    """23:59:59 Beijing time of `day` (the last second a deadline allows), as UTC."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), BEIJING).astimezone(UTC)


def show(moment, fmt=MINUTE_FORMAT):
    """What a page or a file shows of a moment: Beijing time, '' for None.
    Accepts datetimes and ISO 8601 strings (as RPC results carry them)."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            return moment
    if isinstance(moment, dt.datetime):
        return beijing(moment).strftime(fmt)
    if isinstance(moment, dt.date):
        return moment.strftime(DAY_FORMAT)
    return str(moment)
