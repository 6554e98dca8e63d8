"""Working days (工作日) for review deadlines: Monday to Friday, except the
holidays (休) admins enter, plus the weekend days worked in lieu (调休, 班)
they enter. The exceptions live in `calendar_days` (the console's 节假日
page); every other day is what its weekday says.

Days are Beijing calendar days (services.common.clock).
"""
import datetime as dt

from sqlalchemy import delete, select

from services.common import clock, operation_log
from services.common.errors import Forbidden, ValidationFailed
from services.common.fields import CONTROL_MESSAGE
from services.review.calendar_models import HOLIDAY, KINDS, WORKDAY, CalendarDay

NOTE_MAX = 60
YEARS_AROUND = 5  # how far from today an admin may enter a day


class Calendar:
    """The working days of a span, with the exceptions read once."""

    def __init__(self, exceptions):
        self.exceptions = dict(exceptions)  # date -> HOLIDAY or WORKDAY

    @classmethod
    def load(cls, session, first, last):
        rows = session.execute(
            select(CalendarDay.day, CalendarDay.kind).where(CalendarDay.day >= first, CalendarDay.day <= last)
        ).all()
        return cls((day, kind) for day, kind in rows)

    def is_working_day(self, day):
        kind = self.exceptions.get(day)
        if kind == HOLIDAY:
            return False
        if kind == WORKDAY:
            return True
        return day.weekday() < 5

    def working_days_after(self, start, end):
        """Working days in (start, end]: the day something arrived does not
        count, the day it is counted on does. 0 when end <= start."""
        count, day = 0, start + dt.timedelta(days=1)
        while day <= end:
            count += self.is_working_day(day)
            day += dt.timedelta(days=1)
        return count


def load(session, first, last):
    return Calendar.load(session, first, last)


def is_working_day(session, day):
    return Calendar.load(session, day, day).is_working_day(day)


# --- what admins maintain --------------------------------------------------------


def _require_admin(principal):
    if principal is None or not principal.is_admin:
        raise Forbidden("只有管理员可以维护节假日")


def day_row(row):
    return {
        "day": row.day.isoformat(),
        "weekday": "一二三四五六日"[row.day.weekday()],
        "kind": row.kind,
        "kind_label": KINDS.get(row.kind, row.kind),
        "note": row.note or "",
        "updated_at": clock.iso(row.updated_at),
    }


def list_days(session, principal, year=None):
    """The exceptions of `year` (every year when None), by date."""
    _require_admin(principal)
    query = select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        try:
            year = int(year)
        except (TypeError, ValueError):
            raise ValidationFailed("年份格式错误", {"year": "请填写四位年份"}) from None
        query = query.where(CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31))
    return [day_row(r) for r in session.scalars(query)]


def _parse_day(value, errors):
    text = str(value or "").strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError:
        errors["day"] = "请填写日期（例如 2026-10-01）"
        return None
    today = clock.beijing_today()
    if abs(day.year - today.year) > YEARS_AROUND:
        errors["day"] = f"日期应在今年前后{YEARS_AROUND}年之内"
    return day


def _checked(day, kind, note):
    errors = {}
    parsed = _parse_day(day, errors)
    if kind not in KINDS:
        errors["kind"] = "请选择“休”或“班”"
    text = " ".join(str(note or "").split())
    if len(text) > NOTE_MAX:
        errors["note"] = f"说明不能超过{NOTE_MAX}字"
    elif any(ord(ch) < 32 for ch in text):
        errors["note"] = CONTROL_MESSAGE
    if parsed is not None and kind == WORKDAY and parsed.weekday() < 5:
        errors["kind"] = "该日本是工作日，无需设为“班”"
    if parsed is not None and kind == HOLIDAY and parsed.weekday() >= 5:
        errors["kind"] = "该日本是周末，无需设为“休”"
    if errors:
        raise ValidationFailed("填写内容有误，请按提示修改", errors)
    return parsed, text or None


def set_day(session, principal, day, kind, note=None):
    """Add (or change) the exception of one day."""
    _require_admin(principal)
    parsed, text = _checked(day, kind, note)
    row = session.get(CalendarDay, parsed, with_for_update=True)
    before = {"类型": KINDS[row.kind]} if row is not None else None
    if row is None:
        row = CalendarDay(day=parsed)
        session.add(row)
    row.kind, row.note = kind, text
    row.updated_at, row.updated_by = clock.utcnow(), str(principal.id)
    session.flush()
    operation_log.record(session, principal, "calendar.set", f"节假日 {parsed.isoformat()}", parsed.isoformat(),
                         before=before, after={"类型": KINDS[kind], "说明": text or ""})
    return day_row(row)


def remove_day(session, principal, day):
    """Remove the exception of one day: it is what its weekday says again."""
    _require_admin(principal)
    errors = {}
    parsed = _parse_day(day, errors)
    if errors:
        raise ValidationFailed("日期格式错误", errors)
    row = session.get(CalendarDay, parsed)
    if row is None:
        return False
    before = {"类型": KINDS.get(row.kind, row.kind)}
    session.execute(delete(CalendarDay).where(CalendarDay.day == parsed))
    operation_log.record(session, principal, "calendar.remove", f"节假日 {parsed.isoformat()}", parsed.isoformat(),
                         before=before)
    return True
