"""The review service on the real RabbitMQ and PostgreSQL, around its
decisions: a reviewer's 通过 and the enterprise's 撤回 at the same moment
(exactly one wins), 撤回's event as declarations receives it, the public 公示
list without login, and two 认定 at once getting distinct 证书编号."""
import datetime as dt

import eventlet
import pytest
from sqlalchemy import text

from services.common import clock
from services.common import contracts as c
from services.common.errors import Conflict
from tests.review.support import county, enterprise_of, province, submitted
from tests.review.fixtures import client_call, deliver, review  # noqa: F401  (the fixture)
from tests.support.events import listen_events

DOCUMENT = "苏工信中小〔2026〕88号"


def wait_until_blocked(engine, statement, count):
    """Until `count` statements starting with `statement` wait on a lock."""
    with engine.connect() as watcher:
        waiting = 0
        for _ in range(400):
            waiting = watcher.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :app "
                "AND wait_event_type = 'Lock' AND query LIKE :q"), {"app": c.REVIEW, "q": statement + "%"}).scalar()
            watcher.rollback()
            if waiting == count:
                return waiting
            eventlet.sleep(0.05)
    return waiting


def test_withdraw_and_approve_at_once_exactly_one_wins(review, config, db_engine):
    container, client = review
    data = submitted(region="320102")
    deliver(container, config, data)
    did = data["declaration_id"]
    owner = enterprise_of(data)
    revision = client.call(c.REVIEW, c.REVIEW_CAN_WITHDRAW, did, principal=owner)["revision"]
    engine = db_engine(c.REVIEW)

    with engine.connect() as holder:
        holder.execute(text("SELECT 1 FROM review_cases WHERE declaration_id = :d FOR UPDATE"), {"d": did})
        pool = eventlet.GreenPool()
        approve = pool.spawn(lambda: client_call(config, c.REVIEW_APPROVE, did, revision, "同意", principal=county()))
        withdraw = pool.spawn(lambda: client_call(config, c.REVIEW_WITHDRAW, did, revision, principal=owner))
        assert wait_until_blocked(engine, "UPDATE review_cases", 2) == 2, "both should wait on the row lock"
        holder.rollback()
        outcomes = [approve.wait(), withdraw.wait()]

    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], Conflict)
    case = client.call(c.REVIEW, c.REVIEW_GET_CASE, did, principal=county())
    moves = [h["action"] for h in case["history"] if h["action"] != "submitted"]
    assert len(moves) == 1
    assert case["state"] == {"advance": c.PENDING_CITY, "withdraw": c.WITHDRAWN}[moves[0]]
    expected = {"advance": "申报的审核状态已更新，请刷新页面后查看",  # withdrawable afresh at the city
                "withdraw": "该申报已被处理或已更新（当前状态：已撤回），请刷新页面后查看"}[moves[0]]
    assert refused[0].message == expected
    with engine.connect() as conn:
        assert len(conn.execute(text("SELECT event_type FROM outbox_events")).all()) == 1


def test_withdraw_publishes_declaration_withdrawn_caused_by_the_enterprise(review, config):
    container, client = review
    data = submitted(region="320102")
    deliver(container, config, data)
    did = data["declaration_id"]
    owner = enterprise_of(data)
    revision = client.call(c.REVIEW, c.REVIEW_CAN_WITHDRAW, did, principal=owner)["revision"]
    with listen_events(config["AMQP_URI"], c.REVIEW, c.DECLARATION_WITHDRAWN) as events:
        client.call(c.REVIEW, c.REVIEW_WITHDRAW, did, revision, idempotency_key="w1", principal=owner)
        [event] = events.wait(1)
    assert event["data"] == {"declaration_id": did, "enterprise_id": data["enterprise_id"], "level": c.COUNTY,
                             "version": 1, "from_state": c.PENDING_COUNTY}
    assert (event["sequence"], event["state"]) == (revision + 1, c.WITHDRAWN)
    assert event["caused_by"] == {"kind": c.ENTERPRISE, "id": data["enterprise_id"]}


def in_publicity(container, config, client, engine, names):
    """Cases passed by the province and put under a 公示 whose period has ended."""
    ids = []
    for name in names:
        data = submitted(level=c.PROVINCE, base_name=name)
        deliver(container, config, data)
        did = data["declaration_id"]
        revision = client.call(c.REVIEW, c.REVIEW_GET_CASE, did, principal=province())["revision"]
        client.call(c.REVIEW, c.REVIEW_APPROVE, did, revision, principal=province())
        ids.append(did)
    today = clock.beijing_today().isoformat()
    notice = client.call(c.REVIEW, c.REVIEW_START_PUBLICITY, "2026年度认定公示", today, today, ids,
                         principal=province())
    return ids, notice


def test_public_notices_answer_without_login_with_public_fields_only(review, config, db_engine):
    container, client = review
    in_publicity(container, config, client, db_engine(c.REVIEW), ["玄武创新创业园"])
    shown = client.call(c.REVIEW, c.REVIEW_PUBLIC_NOTICES, 1)  # no principal at all
    [item] = shown["items"]
    assert item["base_name"] == "玄武创新创业园" and item["region_name"] == "南京市玄武区"
    assert set(item) == {"base_name", "enterprise_name", "region_name", "title", "starts_on", "ends_on"}


def test_two_recognitions_at_once_get_distinct_certificate_numbers(review, config, db_engine):
    container, client = review
    engine = db_engine(c.REVIEW)
    ids, notice = in_publicity(container, config, client, engine, ["甲基地", "乙基地"])
    year = clock.beijing_today().year
    yesterday = clock.beijing_today() - dt.timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(text("UPDATE review_publicity SET starts_on = :d, ends_on = :d WHERE id = :i"),
                     {"d": yesterday, "i": notice["id"]})
        conn.execute(text("INSERT INTO review_certificate_counters (year, last) VALUES (:y, 0)"), {"y": year})
    revisions = [client.call(c.REVIEW, c.REVIEW_GET_CASE, did, principal=province())["revision"] for did in ids]

    with engine.connect() as holder:
        holder.execute(text("SELECT 1 FROM review_certificate_counters WHERE year = :y FOR UPDATE"), {"y": year})
        pool = eventlet.GreenPool()
        calls = [pool.spawn(lambda did=did, rev=rev: client_call(
            config, c.REVIEW_APPROVE, did, rev, "同意认定", DOCUMENT, principal=province(id=f"p-{did[:4]}")))
            for did, rev in zip(ids, revisions)]
        assert wait_until_blocked(engine, "UPDATE review_certificate_counters", 2) == 2
        holder.rollback()
        outcomes = [call.wait() for call in calls]

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    numbers = sorted(client.call(c.REVIEW, c.REVIEW_GET_CASE, did, principal=province())["recognition"]
                     ["certificate_number"] for did in ids)
    assert numbers == [f"苏双创基地〔{year}〕0001", f"苏双创基地〔{year}〕0002"]


@pytest.mark.parametrize("name", [c.REVIEW_CAN_WITHDRAW, c.REVIEW_WITHDRAW, c.REVIEW_PUBLICITY_CANDIDATES,
                                  c.REVIEW_START_PUBLICITY, c.REVIEW_LIST_PUBLICITY, c.REVIEW_PUBLIC_NOTICES])
def test_the_contracts_name_the_new_rpcs(name):
    from services.review.service import ReviewService

    assert callable(getattr(ReviewService, name, None))
