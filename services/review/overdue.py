"""超期: a case waiting at its level for more working days than its batch
allows (services.review.calendar counts the working days).

A case waits at its level from the latest audit record that put it in its
current pending state (its submission or resubmission for the county, the
approval of the level below for the city and the province). Its waiting
working days are the working days after that day up to today (Beijing
days); it is overdue when they exceed the batch's allowance: the
`review_due_working_days` of the declaration's summary (as
`declaration_submitted` gives it), else REVIEW_DUE_WORKING_DAYS (10).

The inbox shows 超期 on a row and the count of overdue cases; the daily
digest (services.review.digest) counts per office.
"""
from sqlalchemy import func, select

from services.common import clock
from services.common import config as cfg
from services.common import contracts as c
from services.common import regions
from services.review import calendar
from services.review.models import ReviewAction, ReviewCase
from services.review.scope import PENDING_STATES

DEFAULT_DUE_WORKING_DAYS = 10
SUMMARY_KEY = "review_due_working_days"  # the batch's own allowance, when the summary gives one
OVERDUE_LABEL = "超期"


def default_due(config=None):
    """REVIEW_DUE_WORKING_DAYS; ValueError for anything but a whole number ≥ 1."""
    value = cfg.get(c.ENV_REVIEW_DUE_WORKING_DAYS, config, str(DEFAULT_DUE_WORKING_DAYS))
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if days < 1:
        raise ValueError(f"{c.ENV_REVIEW_DUE_WORKING_DAYS} must be a whole number of working days ≥ 1, not {value!r}")
    return days


def due_of(summary, default):
    """The working days a case of this summary's batch may wait at a level."""
    value = (summary or {}).get(SUMMARY_KEY)
    try:
        days = int(value)
    except (TypeError, ValueError):
        return default
    return days if 1 <= days <= 365 else default


def _pending(clause):
    """(declaration_id, state, level, region_code, city_code, summary, arrived_at)
    of the pending cases matching `clause`."""
    arrived = (
        select(ReviewAction.declaration_id, func.max(ReviewAction.created_at).label("arrived_at"))
        .join(ReviewCase, ReviewCase.declaration_id == ReviewAction.declaration_id)
        .where(ReviewAction.to_state == ReviewCase.state, ReviewCase.state.in_(PENDING_STATES), clause)
        .group_by(ReviewAction.declaration_id)
        .subquery()
    )
    return select(
        ReviewCase.declaration_id, ReviewCase.state, ReviewCase.level, ReviewCase.region_code,
        ReviewCase.city_code, ReviewCase.summary,
        func.coalesce(arrived.c.arrived_at, ReviewCase.submitted_at).label("arrived_at"),
    ).outerjoin(arrived, arrived.c.declaration_id == ReviewCase.declaration_id).where(
        ReviewCase.state.in_(PENDING_STATES), clause
    )


def measure(session, clause, now, default=None):
    """{declaration_id: (row, waiting working days, allowed working days)}
    of the pending cases matching `clause`."""
    default = default or default_due()
    rows = session.execute(_pending(clause)).all()
    today = clock.beijing_day(now)
    arrivals = {r.declaration_id: clock.beijing_day(r.arrived_at or now) for r in rows}
    if not rows:
        return {}
    days = calendar.load(session, min(arrivals.values()), today)
    return {
        r.declaration_id: (r, days.working_days_after(arrivals[r.declaration_id], today), due_of(r.summary, default))
        for r in rows
    }


def annotate(session, items, now, default=None):
    """Mark each listed case (case_row dicts) with waiting_working_days,
    due_working_days, overdue and overdue_label (超期 or ""); a case not
    pending gets None, None, False, "". Returns the items."""
    ids = [item["declaration_id"] for item in items]
    measured = measure(session, ReviewCase.declaration_id.in_(ids), now, default) if ids else {}
    for item in items:
        found = measured.get(item["declaration_id"])
        waiting, due = (found[1], found[2]) if found else (None, None)
        item["waiting_working_days"] = waiting
        item["due_working_days"] = due
        item["overdue"] = bool(found) and waiting > due
        item["overdue_label"] = OVERDUE_LABEL if item["overdue"] else ""
    return items


def flags(session, cases):
    """A listing's row flags (services.review.listing.ROW_FLAGS): 超期 and the
    working days waited, for one page of cases, with one measurement."""
    items = annotate(session, [{"declaration_id": case.declaration_id} for case in cases], clock.utcnow())
    return {item.pop("declaration_id"): item for item in items}


def counts(session, scope, now, default=None):
    """{"waiting": pending cases matching `scope` (an SQL condition on
    ReviewCase, e.g. an inbox's), "overdue": those of them overdue}.

    Counted per (Beijing day of arrival, the batch's allowance as written)
    in the database, so a province's thousands of waiting cases cost a few
    groups, not a row each; the same rule as `measure`."""
    default = default or default_due()
    pending = _pending(scope).subquery()
    day = func.date(func.timezone(clock.BEIJING.tzname(None), pending.c.arrived_at)).label("day")
    allowance = pending.c.summary[SUMMARY_KEY].as_string().label("allowance")
    groups = session.execute(select(day, allowance, func.count()).group_by("day", "allowance")).all()
    today = clock.beijing_day(now)
    arrivals = [arrived or today for arrived, _raw, _n in groups]
    days = calendar.load(session, min(arrivals), today) if groups else None
    overdue = sum(
        n for arrived, (_day, raw, n) in zip(arrivals, groups)
        if days.working_days_after(arrived, today) > due_of({SUMMARY_KEY: raw}, default)
    )
    return {"waiting": sum(n for _day, _raw, n in groups), "overdue": overdue}


def office_of(row):
    """(level, region code) of the office a pending case waits at."""
    if row.level == c.COUNTY:
        return c.COUNTY, row.region_code
    if row.level == c.CITY:
        return c.CITY, row.city_code or regions.city_of(row.region_code)
    return c.PROVINCE, regions.PROVINCE


def per_office(session, now, default=None):
    """{(level, region_code): {"waiting": n, "overdue": m}} over every pending case."""
    offices = {}
    for row, waiting, due in measure(session, ReviewCase.state.in_(PENDING_STATES), now, default).values():
        figures = offices.setdefault(office_of(row), {"waiting": 0, "overdue": 0})
        figures["waiting"] += 1
        figures["overdue"] += waiting > due
    return offices
