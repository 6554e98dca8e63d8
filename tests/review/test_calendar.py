"""The working-day calendar: weekends off except 调休 days worked, holidays
off; the exceptions admins maintain (节假日), on the real PostgreSQL."""
import datetime as dt

import pytest

from services.common import contracts as c
from services.common import operation_log
from services.common.errors import Forbidden, ValidationFailed
from services.review import calendar
from services.review.calendar_models import HOLIDAY, WORKDAY
from tests.review.support import Tx, admin, county

MON = dt.date(2026, 9, 28)  # a Monday; 2026-10-01 (Thursday) is 国庆节


@pytest.fixture
def engine(db_engine):
    return db_engine(c.REVIEW)


def test_weekdays_work_weekends_do_not_unless_the_calendar_says_otherwise():
    plain = calendar.Calendar({})
    assert [plain.is_working_day(MON + dt.timedelta(days=i)) for i in range(7)] == [True] * 5 + [False] * 2
    cal = calendar.Calendar({dt.date(2026, 10, 1): HOLIDAY, dt.date(2026, 9, 27): WORKDAY})
    assert not cal.is_working_day(dt.date(2026, 10, 1))  # 休 on a Thursday
    assert cal.is_working_day(dt.date(2026, 9, 27))  # 班 on a Sunday


def test_working_days_after_count_from_the_next_day_to_the_day_itself():
    cal = calendar.Calendar({dt.date(2026, 10, 1): HOLIDAY})
    assert cal.working_days_after(MON, MON) == 0
    assert cal.working_days_after(MON, MON + dt.timedelta(days=1)) == 1
    # Tue, Wed, (Thu off), Fri; the weekend off; Mon.
    assert cal.working_days_after(MON, MON + dt.timedelta(days=7)) == 4
    assert cal.working_days_after(MON + dt.timedelta(days=7), MON) == 0


def test_admins_add_list_change_and_remove_days(engine):
    with Tx(engine) as tx:
        calendar.set_day(tx.session, admin(), "2026-10-01", HOLIDAY, " 国庆节 ")
        calendar.set_day(tx.session, admin(), "2026-09-27", WORKDAY, "国庆节调休")
        tx.commit()
    with Tx(engine) as tx:
        days = calendar.list_days(tx.session, admin(), 2026)
        assert [(d["day"], d["kind_label"], d["note"], d["weekday"]) for d in days] == [
            ("2026-09-27", "班", "国庆节调休", "日"),
            ("2026-10-01", "休", "国庆节", "四"),
        ]
        assert not calendar.is_working_day(tx.session, dt.date(2026, 10, 1))
        assert calendar.is_working_day(tx.session, dt.date(2026, 9, 27))
        assert calendar.list_days(tx.session, admin(), 2025) == []
        assert calendar.remove_day(tx.session, admin(), "2026-10-01") is True
        assert calendar.remove_day(tx.session, admin(), "2026-10-01") is False
        tx.commit()
    with Tx(engine) as tx:
        assert calendar.is_working_day(tx.session, dt.date(2026, 10, 1))
        logged = operation_log.search(tx.session, {})["items"]
        assert {r["action"] for r in logged} == {"calendar.set", "calendar.remove"}


def test_only_admins_maintain_the_calendar(engine):
    with Tx(engine) as tx:
        for call in (
            lambda: calendar.list_days(tx.session, county()),
            lambda: calendar.set_day(tx.session, county(), "2026-10-01", HOLIDAY),
            lambda: calendar.remove_day(tx.session, county(), "2026-10-01"),
            lambda: calendar.list_days(tx.session, None),
        ):
            with pytest.raises(Forbidden):
                call()


@pytest.mark.parametrize(
    "day, kind, note, field, message",
    [
        ("2026-13-01", HOLIDAY, "", "day", "请填写日期（例如 2026-10-01）"),
        ("", HOLIDAY, "", "day", "请填写日期（例如 2026-10-01）"),
        ("1990-10-01", HOLIDAY, "", "day", "日期应在今年前后5年之内"),
        ("2026-10-01", "off", "", "kind", "请选择“休”或“班”"),
        ("2026-10-01", WORKDAY, "", "kind", "该日本是工作日，无需设为“班”"),
        ("2026-10-03", HOLIDAY, "", "kind", "该日本是周末，无需设为“休”"),
        ("2026-10-01", HOLIDAY, "节" * 61, "note", "说明不能超过60字"),
        ("2026-10-01", HOLIDAY, "国庆\x00节", "note", "含有无法识别的控制字符，请删除后重新填写"),
        ("2026-10-01\x00", HOLIDAY, "", "day", "请填写日期（例如 2026-10-01）"),
    ],
)
def test_bad_days_are_refused_with_the_reason(engine, day, kind, note, field, message):
    with Tx(engine) as tx:
        with pytest.raises(ValidationFailed) as refused:
            calendar.set_day(tx.session, admin(), day, kind, note)
    assert refused.value.errors[field] == message
