"""The case lists on the real PostgreSQL: keyset pages (every case once,
whatever is submitted meanwhile), filters with the tokens, the figures kept
for seconds and emptied by a move of the same process, and the migration
of the list indexes."""
import datetime as dt

import pytest
from sqlalchemy import text

from services.common import contracts as c
from services.review import decisions, intake, listing
from services.review.list_cache import Figures
from services.review.models import ReviewCase
from tests.review.support import Tx, city, county, province, submitted

START = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.timezone.utc)
REGIONS = ("320102", "320104", "320205", "320576")


@pytest.fixture
def engine(db_engine):
    return db_engine(c.REVIEW)


def receive(engine, n, minutes, region="320102", level=c.COUNTY, name="玄武创新创业园"):
    """Submit a case `minutes` after START; its declaration_id."""
    data = submitted(region=region, level=level, base_name=f"{name}{n}")
    data["summary"]["submitted_at"] = (START + dt.timedelta(minutes=minutes)).isoformat()
    with Tx(engine) as tx:
        intake.receive_submission(tx.session, data)
        tx.commit()
    return data["declaration_id"]


def read(engine, principal, filters, cache=None):
    with Tx(engine) as tx:
        return listing.list_cases(tx.session, principal, filters, cache=cache)


def walk(engine, principal, filters, between=None):
    """The ids of every page following `next`, calling between(page) after each."""
    seen, pages, token = [], [], None
    while True:
        page = read(engine, principal, {**filters, **({"after": token} if token else {})})
        pages.append(page)
        seen += [i["declaration_id"] for i in page["items"]]
        if between:
            between(len(pages))
        token = page["next"]
        if not token:
            return seen, pages


def test_pages_by_token_give_every_case_once_while_cases_arrive(engine):
    # Pairs share a submission time: the declaration_id breaks the tie.
    existing = {receive(engine, n, n // 2, region=REGIONS[n % 4]) for n in range(23)}
    arrived = []
    seen, pages = walk(engine, province(), {"tab": "all", "per_page": 5},
                       between=lambda p: arrived.append(receive(engine, 100 + p, 10_000 + p)))
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == existing  # the newer cases come first, so they are on page 1 of a new walk
    assert [p["page"] for p in pages] == [1, 2, 3, 4, 5]
    assert pages[0]["previous"] is None and pages[-1]["next"] is None
    assert pages[0]["total"] == 23  # the figures of the first page's moment

    back = read(engine, province(), {"tab": "all", "per_page": 5, "before": pages[3]["previous"]})
    assert [i["declaration_id"] for i in back["items"]] == [i["declaration_id"] for i in pages[2]["items"]]
    assert back["page"] == 3
    first = read(engine, province(), {"tab": "all", "per_page": 5, "before": pages[1]["previous"]})
    assert [i["declaration_id"] for i in first["items"]] == [i["declaration_id"] for i in pages[0]["items"]]
    # The cases submitted meanwhile lie before what was the first page: 上一页 leads to them.
    assert first["page"] == 2 and first["previous"]
    newest = read(engine, province(), {"tab": "all", "per_page": 5, "before": first["previous"]})
    assert newest["page"] == 1 and newest["previous"] is None
    assert {i["declaration_id"] for i in newest["items"]} == set(arrived)


def test_filters_combine_with_the_token(engine):
    for n in range(12):
        receive(engine, n, n, region=REGIONS[n % 2], name="鼓楼" if n % 3 else "玄武")
    for n in range(4):
        receive(engine, 50 + n, 50 + n, region="320102", level=c.CITY, name="玄武")
    filters = {"tab": "all", "per_page": 2, "q": "玄武", "region_code": "320100", "state": c.PENDING_COUNTY}
    seen, pages = walk(engine, province(), filters)
    everything = read(engine, province(), {**filters, "per_page": 100})
    assert seen == [i["declaration_id"] for i in everything["items"]]
    assert len(seen) == 4 and all(p["total"] == 4 for p in pages)
    assert all(i["state"] == c.PENDING_COUNTY and "玄武" in i["base_name"] for p in pages for i in p["items"])

    todo, _ = walk(engine, city(), {"tab": "todo", "per_page": 3})
    assert len(todo) == 4  # the city's inbox: its pending_city cases only


def test_a_page_number_without_a_token_still_answers_the_same_rows(engine):
    for n in range(9):
        receive(engine, n, n)
    by_token, _ = walk(engine, county(), {"tab": "all", "per_page": 4})
    by_number = [i["declaration_id"] for p in (1, 2, 3)
                 for i in read(engine, county(), {"tab": "all", "per_page": 4, "page": p})["items"]]
    assert by_number == by_token
    third = read(engine, county(), {"tab": "all", "per_page": 4, "page": 3})
    assert (third["page"], third["pages"], third["next"]) == (3, 3, None)
    assert read(engine, county(), {"tab": "all", "before": third["previous"], "per_page": 4})["page"] == 2


def test_an_altered_token_gives_the_first_page(engine):
    receive(engine, 1, 1)
    for token in ("x", "!!!", "W10", "a" * 500):
        page = read(engine, county(), {"tab": "all", "after": token})
        assert page["page"] == 1 and len(page["items"]) == 1


def counted(engine, principal, tab):
    """The count of each state, from the rows themselves."""
    everything = read(engine, principal, {"tab": tab, "per_page": 500})
    states = {}
    for item in everything["items"]:
        states[item["state"]] = states.get(item["state"], 0) + 1
    return states


def test_cached_figures_match_the_computed_ones_and_a_move_of_the_process_empties_them(engine):
    ids = [receive(engine, n, n, region=REGIONS[n % 2]) for n in range(6)]
    cache = Figures(seconds=600)
    cached = read(engine, province(), {"tab": "all"}, cache=cache)
    computed = read(engine, province(), {"tab": "all"})
    for key in ("counts", "tabs", "overdue", "batches", "total"):
        assert cached[key] == computed[key]
    assert {k: v for k, v in cached["counts"].items() if v} == counted(engine, province(), "all")
    assert cached["tabs"] == {"todo": 0, "processed": 0, "all": 6}
    assert cached["overdue"]["waiting"] == 0

    # A change the process does not make (another process) shows only after the seconds.
    with engine.begin() as conn:
        conn.execute(text("UPDATE review_cases SET state = :s WHERE declaration_id = :d"),
                     {"s": c.PENDING_PROVINCE, "d": ids[0]})
    assert read(engine, province(), {"tab": "all"}, cache=cache)["counts"][c.PENDING_PROVINCE] == 0
    assert read(engine, province(), {"tab": "all"})["counts"][c.PENDING_PROVINCE] == 1

    # A move made by this process empties the cache at its commit.
    rev = read(engine, county("320102"), {"tab": "todo"})["items"][0]
    with Tx(engine) as tx:
        decisions.approve(tx, county("320102"), rev["declaration_id"], rev["revision"])
        tx.commit()
    after = read(engine, province(), {"tab": "all"}, cache=cache)
    assert after["counts"] == read(engine, province(), {"tab": "all"})["counts"]
    assert after["counts"][c.PENDING_PROVINCE] == 1 and after["counts"][c.PENDING_CITY] == 1
    # A rolled back change leaves the cache as it was.
    read(engine, province(), {"tab": "all"}, cache=cache)
    with Tx(engine) as tx:
        tx.session.get(ReviewCase, ids[2]).base_name = "改名"
        tx.session.flush()
    assert len(cache) == 1


def test_the_list_indexes_are_in_place(engine):
    with engine.connect() as conn:
        names = set(conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'review'")).scalars())
        version = conn.execute(text("SELECT version_num FROM review.alembic_version")).scalars().all()
    assert {"ix_review_cases_list_order", "ix_review_cases_list_state", "ix_review_cases_list_city",
            "ix_review_cases_list_region", "ix_review_cases_list_batch", "ix_review_cases_credit_prefix",
            "ix_review_actions_processed"} <= names
    assert "review_0004" in version


def test_the_grouped_overdue_count_is_the_count_of_rows_measured_one_by_one(engine):
    from services.review import overdue

    allowances = (None, 3, "5", "x", 400, 1)
    for n in range(30):
        data = submitted(region=REGIONS[n % 4], base_name=f"园{n}")
        data["summary"]["submitted_at"] = (START - dt.timedelta(days=n, hours=n % 5 * 4)).isoformat()
        if allowances[n % 6] is not None:
            data["summary"]["review_due_working_days"] = allowances[n % 6]
        with Tx(engine) as tx:
            intake.receive_submission(tx.session, data)
            tx.commit()
    now = START + dt.timedelta(days=3)
    with Tx(engine) as tx:
        for clause in (ReviewCase.state.in_([c.PENDING_COUNTY]), ReviewCase.region_code == "320102"):
            measured = overdue.measure(tx.session, clause, now, 10)
            one_by_one = sum(1 for _row, waiting, due in measured.values() if waiting > due)
            assert overdue.counts(tx.session, clause, now, 10) == {"waiting": len(measured), "overdue": one_by_one}
            assert 0 < one_by_one < len(measured)
