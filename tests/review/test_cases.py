"""The review domain on the real PostgreSQL: the read model from
declaration_submitted, the actions and their events, the audit trail, the
optimistic check, notes, resubmission."""
import datetime as dt

import pytest

from services.common import clock
from services.common import contracts as c
from services.common.errors import BadState, Conflict, Forbidden, NotFound, ValidationFailed
from services.review import decisions, intake, listing, notes
from services.review.models import ReviewNote
from tests.review.support import Tx, admin, city, county, outbox_rows, province, submitted


@pytest.fixture
def engine(db_engine):
    return db_engine(c.REVIEW)


def receive(engine, data):
    with Tx(engine) as tx:
        case = intake.receive_submission(tx.session, data, "2026-03-01T02:00:00+00:00")
        tx.commit()
        return case


def act(engine, fn, principal, *args, **kwargs):
    with Tx(engine) as tx:
        result = fn(tx, principal, *args, **kwargs)
        tx.commit()
        return result


def case_of(engine, principal, declaration_id):
    with Tx(engine) as tx:
        return listing.get_case(tx.session, principal, declaration_id)


def test_submission_opens_a_case_with_the_summary(engine):
    data = submitted()
    receive(engine, data)
    case = case_of(engine, county(), data["declaration_id"])
    assert case["state"] == c.PENDING_COUNTY and case["state_label"] == "待区县审核"
    assert case["base_name"] == "玄武创新创业园"
    assert case["region_name"] == "南京市玄武区"
    assert case["submitted_at"] == "2026-03-01T02:00:00+00:00"  # 10:00 Beijing time, kept in UTC
    assert ["入驻企业数", 86] in case["figures"]
    assert [h["action_label"] for h in case["history"]] == ["提交"]
    assert case["can"]["review"] is True


def sequences(engine):
    from sqlalchemy import select

    from services.common.tables import outbox_events

    with engine.connect() as conn:
        return [(r.payload["sequence"], r.payload["state"])
                for r in conn.execute(select(outbox_events).order_by(outbox_events.c.created_at))]


def test_county_city_province_approval_emits_each_event_and_audits(engine):
    """A batch without 公示: the province's 通过 is the 认定, with the
    batch's 认定文号, a 证书编号 and three years of validity."""
    data = submitted(publicity_required=False)
    did = data["declaration_id"]
    receive(engine, data)

    rev = case_of(engine, county(), did)["revision"]
    act(engine, decisions.approve, county(), did, rev, "材料齐全")
    assert case_of(engine, county(), did)["state"] == c.PENDING_CITY
    assert case_of(engine, county(), did)["can"]["review"] is False

    rev = case_of(engine, city(), did)["revision"]
    act(engine, decisions.approve, city(), did, rev)
    rev = case_of(engine, province(), did)["revision"]
    assert case_of(engine, province(), did)["can"]["approve_is_final"] is True
    with pytest.raises(ValidationFailed) as err:
        act(engine, decisions.approve, province(), did, rev, "同意认定")
    assert err.value.errors == {"document_number": "请填写认定文件的文号"}
    act(engine, decisions.approve, province(), did, rev, "同意认定", "苏工信中小〔2026〕88号")
    case = case_of(engine, admin(), did)
    assert case["state"] == c.APPROVED
    today = clock.beijing_today()
    until = (today.replace(year=today.year + 3) - dt.timedelta(days=1)).isoformat()
    certificate = f"苏双创基地〔{today.year}〕0001"
    assert case["recognition"] == {"document_number": "苏工信中小〔2026〕88号", "certificate_number": certificate,
                                   "valid_from": today.isoformat(), "valid_until": until}

    assert outbox_rows(engine) == [
        (c.DECLARATION_ADVANCED, {"declaration_id": did, "level": c.CITY, "version": 1}),
        (c.DECLARATION_ADVANCED, {"declaration_id": did, "level": c.PROVINCE, "version": 1}),
        (c.DECLARATION_APPROVED, {"declaration_id": did, "enterprise_id": data["enterprise_id"],
                                  "reason": "同意认定", "version": 1,
                                  "document_number": "苏工信中小〔2026〕88号", "certificate_number": certificate,
                                  "valid_from": today.isoformat(), "valid_until": until}),
    ]
    # each with the case's revision after the move as its sequence, and the state
    assert [(seq, state) for seq, state in sequences(engine)] == [
        (2, c.PENDING_CITY), (3, c.PENDING_PROVINCE), (4, c.APPROVED),
    ]
    trail = [(h["action_label"], h["level"], h["actor_id"], h["reason"]) for h in case["history"]]
    assert trail == [
        ("提交", None, data["enterprise_id"], None),
        ("通过", c.COUNTY, "county-320102", "材料齐全"),
        ("通过", c.CITY, "city-320100", None),
        ("认定", c.PROVINCE, "province-1", "同意认定"),
    ]
    assert all(h["created_at"] for h in case["history"])


def test_return_needs_a_reason_and_marks_sections(engine):
    data = submitted()
    did = data["declaration_id"]
    receive(engine, data)
    rev = case_of(engine, county(), did)["revision"]
    with pytest.raises(ValidationFailed) as err:
        act(engine, decisions.return_for_changes, county(), did, rev, "  ", ["tenants"])
    assert err.value.errors == {"reason": "请填写退回原因"}
    with pytest.raises(ValidationFailed):
        act(engine, decisions.return_for_changes, county(), did, rev, "缺少租赁合同", ["nonsense"])
    assert outbox_rows(engine) == []

    act(engine, decisions.return_for_changes, county(), did, rev, "缺少租赁合同", ["attachments", "application"])
    case = case_of(engine, county(), did)
    assert case["state"] == c.RETURNED and case["returned_version"] == 1
    last = case["history"][-1]
    assert (last["action_label"], last["reason"], last["section_labels"]) == ("退回", "缺少租赁合同", ["申请表", "附件"])
    assert outbox_rows(engine) == [(c.DECLARATION_RETURNED, {
        "declaration_id": did, "enterprise_id": data["enterprise_id"], "level": c.COUNTY,
        "reason": "缺少租赁合同", "sections": ["application", "attachments"], "version": 1,
    })]


def test_reject_needs_a_reason_and_closes_the_case(engine):
    data = submitted(level=c.CITY)
    did = data["declaration_id"]
    receive(engine, data)
    rev = case_of(engine, city(), did)["revision"]
    with pytest.raises(ValidationFailed):
        act(engine, decisions.reject, city(), did, rev, "")
    act(engine, decisions.reject, city(), did, rev, "运营年限不足")
    assert case_of(engine, city(), did)["state"] == c.REJECTED
    assert outbox_rows(engine) == [(c.DECLARATION_REJECTED, {
        "declaration_id": did, "enterprise_id": data["enterprise_id"], "level": c.CITY, "reason": "运营年限不足",
        "version": 1,
    })]
    with pytest.raises(Conflict):
        act(engine, decisions.reject, city(), did, rev, "again")


def test_acting_on_a_case_that_moved_is_refused_with_its_state(engine):
    data = submitted()
    did = data["declaration_id"]
    receive(engine, data)
    rev = case_of(engine, county(), did)["revision"]
    act(engine, decisions.approve, county(id="a"), did, rev)
    with pytest.raises(Conflict) as err:
        act(engine, decisions.return_for_changes, county(id="b"), did, rev, "原因")
    assert "待设区市审核" in err.value.message
    assert len(outbox_rows(engine)) == 1


def test_only_the_level_in_charge_may_act(engine):
    data = submitted()
    did = data["declaration_id"]
    receive(engine, data)
    rev = case_of(engine, city(), did)["revision"]
    with pytest.raises(BadState):
        act(engine, decisions.approve, city(), did, rev)
    with pytest.raises(BadState):
        act(engine, decisions.approve, province(), did, rev)
    with pytest.raises(Forbidden):
        act(engine, decisions.approve, admin(), did, rev)
    with pytest.raises(NotFound):
        act(engine, decisions.approve, county("320104"), did, rev)
    with pytest.raises(Forbidden):
        act(engine, decisions.admin_return, county(), did, rev, "地区有误")
    assert outbox_rows(engine) == []


def test_admin_returns_any_submitted_declaration(engine):
    data = submitted(level=c.PROVINCE)
    did = data["declaration_id"]
    receive(engine, data)
    rev = case_of(engine, admin(), did)["revision"]
    act(engine, decisions.admin_return, admin(), did, rev, "注册地区填写有误", ["application"])
    case = case_of(engine, admin(), did)
    assert case["state"] == c.RETURNED
    assert case["history"][-1]["level"] == c.ADMIN_RETURN_LEVEL
    assert case["history"][-1]["action_label"] == "管理员退回"
    [(kind, payload)] = outbox_rows(engine)
    assert kind == c.DECLARATION_RETURNED and payload["level"] == "admin"
    with pytest.raises(BadState):
        act(engine, decisions.admin_return, admin(), did, case["revision"], "again")


def test_resubmission_reopens_at_the_named_level_and_stale_events_change_nothing(engine):
    data = submitted()
    did = data["declaration_id"]
    receive(engine, data)
    rev = case_of(engine, county(), did)["revision"]
    act(engine, decisions.approve, county(), did, rev)
    rev = case_of(engine, city(), did)["revision"]
    act(engine, decisions.return_for_changes, city(), did, rev, "请补充服务台账", ["ledger"])

    again = submitted(declaration_id=did, level=c.CITY, version=2, resubmission=True, base_name="玄武创新创业园（新）")
    again["enterprise_id"] = data["enterprise_id"]
    assert receive(engine, again) is not None
    case = case_of(engine, city(), did)
    assert (case["state"], case["version"], case["base_name"]) == (c.PENDING_CITY, 2, "玄武创新创业园（新）")
    assert case["resubmission"] is True and case["returned_version"] == 1
    assert case["history"][-1]["action_label"] == "重新提交"
    assert case["can"]["review"] is True

    # A redelivered first submission is older than what the case holds.
    assert receive(engine, data) is None
    assert receive(engine, again) is None
    assert case_of(engine, city(), did)["state"] == c.PENDING_CITY
    # A stale page (revision of before the resubmission) is refused.
    with pytest.raises(Conflict):
        act(engine, decisions.approve, city(), did, rev)


def test_province_notes_before_recognition(engine):
    data = submitted(level=c.PROVINCE)
    did = data["declaration_id"]
    receive(engine, data)
    with pytest.raises(ValidationFailed) as err:
        act(engine, notes.add_note, province(), did, "bogus", "not a date", "")
    assert set(err.value.errors) == {"step", "noted_on", "text"}
    with pytest.raises(ValidationFailed) as err:
        act(engine, notes.add_note, province(), did, "formal", "2999-01-01", "x")
    assert err.value.errors == {"noted_on": "日期不能晚于今天"}
    with pytest.raises(BadState):
        act(engine, notes.add_note, admin(), did, "formal", "2026-03-02", "x")
    act(engine, notes.add_note, province(), did, "formal", "2026-03-02", "材料完整")
    with pytest.raises(ValidationFailed) as err:
        act(engine, notes.add_note, province(), did, "objection", "2026-03-20", "有异议")
    assert err.value.errors == {"step": "当前只能记录：形式审查、信用查询、专家评审、现场核查"}
    recorded = case_of(engine, province(), did)["notes"]
    assert [(n["step_label"], n["noted_on"], n["text"]) for n in recorded] == [
        ("形式审查", "2026-03-02", "材料完整"),
    ]
    assert outbox_rows(engine) == []


def test_a_note_of_the_retired_publicity_step_keeps_its_label(engine):
    """Notes recorded as the 公示 step before 公示 became a state still read 公示."""
    data = submitted(level=c.PROVINCE)
    did = data["declaration_id"]
    receive(engine, data)
    with Tx(engine) as tx:
        tx.session.add(ReviewNote(declaration_id=did, version=1, step="publicity", noted_on=dt.date(2026, 3, 20),
                                  text="公示无异议", actor_kind=c.REVIEWER, actor_id="province-1",
                                  created_at=clock.utcnow()))
        tx.commit()
    assert [n["step_label"] for n in case_of(engine, province(), did)["notes"]] == ["公示"]


def test_the_recognition_form_offers_the_batch_s_last_document_number(engine):
    """One 认定文件 names every base it recognises: after the first 认定 of a
    batch its 文号 is offered at the next (editable), never another batch's."""
    first, second = (submitted(publicity_required=False, level=c.PROVINCE) for _ in range(2))
    other = submitted(publicity_required=False, level=c.PROVINCE, batch_id="b2027")
    for data in (first, second, other):
        receive(engine, data)
    assert case_of(engine, province(), second["declaration_id"])["can"]["document_number"] is None
    rev = case_of(engine, province(), first["declaration_id"])["revision"]
    act(engine, decisions.approve, province(), first["declaration_id"], rev, "同意认定", "苏工信中小〔2026〕88号")
    assert case_of(engine, province(), second["declaration_id"])["can"]["document_number"] == "苏工信中小〔2026〕88号"
    assert case_of(engine, province(), other["declaration_id"])["can"]["document_number"] is None
    assert case_of(engine, county(), second["declaration_id"])["can"]["document_number"] is None  # not its 认定
