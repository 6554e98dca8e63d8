"""超期 on the real PostgreSQL: the working days a case has waited at its
level (from its arrival there, holidays and 调休 counted), the batch's
allowance or the default, the inbox's flag and counts, the offices' figures."""
import datetime as dt

import pytest
from sqlalchemy import update

from services.common import clock
from services.common import contracts as c
from services.review import calendar, decisions, intake, listing, overdue, scope
from services.review.calendar_models import HOLIDAY
from services.review.models import ReviewAction
from tests.review.support import Tx, admin, city, county, submitted

# Submitted on Monday 2026-03-02 (Beijing); counted on Tuesday 2026-03-17:
# 3-03..06, 3-09..13, 3-16..17 are eleven working days.
SUBMITTED = "2026-03-02T10:00:00+08:00"
COUNTED = clock.day_start(dt.date(2026, 3, 17)) + dt.timedelta(hours=9)


@pytest.fixture
def engine(db_engine):
    return db_engine(c.REVIEW)


def receive(engine, data, submitted_at=SUBMITTED):
    data["summary"]["submitted_at"] = submitted_at
    with Tx(engine) as tx:
        intake.receive_submission(tx.session, data)
        tx.commit()
    return data["declaration_id"]


def inbox(engine, principal, now=COUNTED, default=10):
    with Tx(engine) as tx:
        items = listing.list_cases(tx.session, principal, {"tab": "todo"})["items"]
        overdue.annotate(tx.session, items, now, default=default)
        figures = overdue.counts(tx.session, scope.actionable_clause(principal), now, default=default)
    return {i["declaration_id"]: i for i in items}, figures


def test_a_case_waiting_more_working_days_than_allowed_is_overdue(engine):
    late = receive(engine, submitted())
    recent = receive(engine, submitted(), "2026-03-16T10:00:00+08:00")
    items, figures = inbox(engine, county())
    assert (items[late]["waiting_working_days"], items[late]["due_working_days"]) == (11, 10)
    assert (items[late]["overdue"], items[late]["overdue_label"]) == (True, "超期")
    assert (items[recent]["waiting_working_days"], items[recent]["overdue"], items[recent]["overdue_label"]) == (
        1, False, "")
    assert figures == {"waiting": 2, "overdue": 1}


def test_a_holiday_does_not_count(engine):
    late = receive(engine, submitted())
    with Tx(engine) as tx:
        calendar.set_day(tx.session, admin(), "2026-03-10", HOLIDAY, "测试")
        tx.commit()
    items, figures = inbox(engine, county())
    assert items[late]["waiting_working_days"] == 10 and not items[late]["overdue"]
    assert figures == {"waiting": 1, "overdue": 0}


def test_a_batch_may_allow_its_own_number_of_working_days(engine):
    generous = receive(engine, submitted(review_due_working_days=12))
    strict = receive(engine, submitted(review_due_working_days=5), "2026-03-09T09:00:00+08:00")
    items, _ = inbox(engine, county())
    assert (items[generous]["due_working_days"], items[generous]["overdue"]) == (12, False)
    assert (items[strict]["waiting_working_days"], items[strict]["due_working_days"]) == (6, 5)
    assert items[strict]["overdue"]


def test_a_case_waits_at_a_level_from_its_arrival_there(engine):
    moved = receive(engine, submitted())
    with Tx(engine) as tx:
        decisions.approve(tx, county(), moved, 1)
        # The county approved it on Friday 2026-03-13: two working days at the city.
        tx.session.execute(
            update(ReviewAction)
            .where(ReviewAction.declaration_id == moved, ReviewAction.to_state == c.PENDING_CITY)
            .values(created_at=clock.day_start(dt.date(2026, 3, 13)) + dt.timedelta(hours=3))
        )
        tx.commit()
    items, figures = inbox(engine, city())
    assert (items[moved]["waiting_working_days"], items[moved]["overdue"]) == (2, False)
    assert figures == {"waiting": 1, "overdue": 0}
    assert inbox(engine, county())[1] == {"waiting": 0, "overdue": 0}


def test_cases_not_pending_are_never_overdue(engine):
    done = receive(engine, submitted())
    with Tx(engine) as tx:
        decisions.reject(tx, county(), done, 1, "不符合条件")
        tx.commit()
    with Tx(engine) as tx:
        items = listing.list_cases(tx.session, county(), {"tab": "all"})["items"]
        [row] = overdue.annotate(tx.session, items, COUNTED, default=10)
    assert (row["waiting_working_days"], row["overdue"], row["overdue_label"]) == (None, False, "")


def test_offices_are_the_level_and_its_region(engine):
    receive(engine, submitted("320102"))
    receive(engine, submitted("320102"), "2026-03-16T10:00:00+08:00")
    receive(engine, submitted("320104"))
    receive(engine, submitted("320205", level=c.CITY))
    receive(engine, submitted("320102", level=c.PROVINCE), "2026-03-17T08:00:00+08:00")
    with Tx(engine) as tx:
        offices = overdue.per_office(tx.session, COUNTED, default=10)
    assert offices == {
        (c.COUNTY, "320102"): {"waiting": 2, "overdue": 1},
        (c.COUNTY, "320104"): {"waiting": 1, "overdue": 1},
        (c.CITY, "320200"): {"waiting": 1, "overdue": 1},
        (c.PROVINCE, "320000"): {"waiting": 1, "overdue": 0},
    }


@pytest.mark.parametrize("value", ["0", "-3", "ten"])
def test_a_default_that_is_not_a_number_of_working_days_is_refused(value):
    with pytest.raises(ValueError):
        overdue.default_due({c.ENV_REVIEW_DUE_WORKING_DAYS: value})
    assert overdue.default_due({}) == 10
    assert overdue.default_due({c.ENV_REVIEW_DUE_WORKING_DAYS: "7"}) == 7
