"""公示 and 认定 on the real PostgreSQL: the province's 通过 leaves a case
待公示; the province selects cases into a 公示 with a period; objections are
notes; the public list shows only public fields of running periods; 认定 is
refused until the period has ended and then gives the 文号, the 证书编号 and
the validity."""
import datetime as dt

import pytest
from sqlalchemy import text

from services.common import clock
from services.common import contracts as c
from services.common.errors import BadState, Forbidden, ValidationFailed
from services.review import decisions, intake, listing, notes, publicity
from tests.review.support import Tx, admin, city, outbox_envelopes, province, submitted

DOCUMENT = "苏工信中小〔2026〕88号"


@pytest.fixture
def engine(db_engine):
    return db_engine(c.REVIEW)


def act(engine, fn, principal, *args):
    with Tx(engine) as tx:
        result = fn(tx, principal, *args)
        tx.commit()
        return result


def case_of(engine, did):
    with Tx(engine) as tx:
        return listing.get_case(tx.session, province(), did)


def passed_by_province(engine, base_name):
    """A case the province has passed: 待公示."""
    data = submitted(level=c.PROVINCE, base_name=base_name)
    with Tx(engine) as tx:
        intake.receive_submission(tx.session, data)
        tx.commit()
    did = data["declaration_id"]
    act(engine, decisions.approve, province(), did, case_of(engine, did)["revision"], "专家评审通过")
    return data


def period_ended(engine, publicity_id):
    """The 公示's period moved into the past, as when its last day has gone by."""
    yesterday = clock.beijing_today() - dt.timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(text("UPDATE review_publicity SET starts_on = :s, ends_on = :e WHERE id = :i"),
                     {"s": yesterday - dt.timedelta(days=7), "e": yesterday, "i": publicity_id})


def test_province_pass_waits_for_publicity_and_cannot_be_recognised_yet(engine):
    data = passed_by_province(engine, "玄武创新创业园")
    did = data["declaration_id"]
    case = case_of(engine, did)
    assert (case["state"], case["state_label"], case["level"]) == (c.PENDING_PUBLICITY, "待公示", c.PROVINCE)
    assert case["can"]["approve"] is False and case["can"]["approve_blocked"].startswith("该申报待公示")
    [sent] = outbox_envelopes(engine, c.DECLARATION_ADVANCED)
    assert sent["data"] == {"declaration_id": did, "level": c.PROVINCE, "version": 1,
                            "from_state": c.PENDING_PROVINCE}
    assert sent["state"] == c.PENDING_PUBLICITY
    with pytest.raises(BadState, match="请先选入公示"):
        act(engine, decisions.approve, province(), did, case["revision"], None, DOCUMENT)
    with Tx(engine) as tx:
        todo = listing.list_cases(tx.session, province(), {"tab": "todo"})
        assert [i["declaration_id"] for i in todo["items"]] == [did]
        assert [i["declaration_id"] for i in publicity.candidates(tx.session, province())["items"]] == [did]


def test_only_the_province_selects_and_the_input_is_checked(engine):
    data = passed_by_province(engine, "玄武创新创业园")
    today = clock.beijing_today()
    with pytest.raises(Forbidden):
        act(engine, publicity.start_publicity, city(), "公示", today.isoformat(), today.isoformat(),
            [data["declaration_id"]])
    with pytest.raises(Forbidden):
        act(engine, publicity.start_publicity, admin(), "公示", today.isoformat(), today.isoformat(),
            [data["declaration_id"]])
    with pytest.raises(ValidationFailed) as err:
        act(engine, publicity.start_publicity, province(), " ", (today - dt.timedelta(days=1)).isoformat(),
            "not a day", [])
    assert set(err.value.errors) == {"title", "starts_on", "ends_on", "declaration_ids"}
    with pytest.raises(ValidationFailed) as err:
        act(engine, publicity.start_publicity, province(), "公示", today.isoformat(),
            (today + dt.timedelta(days=61)).isoformat(), [data["declaration_id"]])
    assert set(err.value.errors) == {"ends_on"}
    assert outbox_envelopes(engine, c.DECLARATION_PUBLICIZED) == []


def test_publicity_objections_public_list_and_recognition_after_the_period(engine):
    first = passed_by_province(engine, "玄武创新创业园")
    second = passed_by_province(engine, "秦淮众创空间")
    waiting = submitted(level=c.PROVINCE, base_name="尚未通过的基地")
    with Tx(engine) as tx:
        intake.receive_submission(tx.session, waiting)
        tx.commit()
    today = clock.beijing_today()
    ends = today + dt.timedelta(days=6)
    ids = [first["declaration_id"], second["declaration_id"]]
    with pytest.raises(BadState, match="不能选入公示"):
        act(engine, publicity.start_publicity, province(), "2026年度认定公示", today.isoformat(), ends.isoformat(),
            ids + [waiting["declaration_id"]])

    notice = act(engine, publicity.start_publicity, province(), "2026年度认定公示", today.isoformat(),
                 ends.isoformat(), ids)
    assert (notice["count"], notice["running"]) == (2, True)
    sent = {e["data"]["declaration_id"]: e for e in outbox_envelopes(engine, c.DECLARATION_PUBLICIZED)}
    assert sent[first["declaration_id"]]["data"] == {
        "declaration_id": first["declaration_id"], "enterprise_id": first["enterprise_id"],
        "publicity_id": notice["id"], "title": "2026年度认定公示", "starts_on": today.isoformat(),
        "ends_on": ends.isoformat(), "version": 1, "from_state": c.PENDING_PUBLICITY}
    assert sent[first["declaration_id"]]["state"] == c.IN_PUBLICITY

    with Tx(engine) as tx:
        shown = publicity.public_notices(tx.session)
    assert shown["total"] == 2
    assert {tuple(sorted(item)) for item in shown["items"]} == {
        ("base_name", "ends_on", "enterprise_name", "region_name", "starts_on", "title")}
    assert sorted(i["base_name"] for i in shown["items"]) == ["玄武创新创业园", "秦淮众创空间"]
    assert shown["items"][0]["region_name"] == "南京市玄武区"

    did = first["declaration_id"]
    case = case_of(engine, did)
    assert case["note_steps"] == [["objection", "异议"]]
    act(engine, notes.add_note, province(), did, "objection", today.isoformat(), "收到一件异议，已核实不成立")
    with pytest.raises(BadState, match=f"公示期至{ends.isoformat()}"):
        act(engine, decisions.approve, province(), did, case["revision"], "同意认定", DOCUMENT)

    period_ended(engine, notice["id"])
    with Tx(engine) as tx:
        assert publicity.public_notices(tx.session)["total"] == 0  # only running periods are public
    case = case_of(engine, did)
    assert case["can"]["approve"] is True and case["can"]["approve_is_final"] is True
    act(engine, decisions.approve, province(), did, case["revision"], "同意认定", DOCUMENT)
    case = case_of(engine, did)
    assert case["state"] == c.APPROVED
    assert case["recognition"]["certificate_number"] == f"苏双创基地〔{today.year}〕0001"
    [approved] = outbox_envelopes(engine, c.DECLARATION_APPROVED)
    assert approved["data"]["document_number"] == DOCUMENT
    assert approved["data"]["valid_from"] == today.isoformat()
