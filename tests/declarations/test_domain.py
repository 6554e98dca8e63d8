"""The declarations domain on the real PostgreSQL (no broker): batches,
开始申报, saving, access, 提交 with its checks, review events, versions."""
import datetime as dt

import pytest
from sqlalchemy.orm import Session

from services.common import blobs
from services.common import contracts as c
from services.common.errors import BadState, Conflict, Forbidden, NotFound, ValidationFailed
from services.common.principal import system
from services.common.outbox import envelope
from services.declarations import attachments, batches, domain, ledger_import
from services.declarations import sections as s
from tests.declarations.helpers import (
    ADMIN, OTHER_REGION, REGION, TOTALS, application, batch_form, enterprise, ledger_row, partner,
    person, reviewer,
)
from tests.declarations.test_ledger_import import GOOD as LEDGER_GOOD
from tests.declarations.test_ledger_import import workbook as ledger_workbook
from tests.support.web import png_bytes

LEDGER_OTHER = ["2025-04-01", "信息服务", "苏州某某信息有限公司", "政策推送", "线上", "", 5, 5, "免费", 0, ""]
LEDGER_THIRD = ["2025-05-01", "人员培训", "无锡某某有限公司", "财务培训", "线下", "培训室", 3, 9, "低收费", 20, ""]

SYSTEM = system(c.DECLARATIONS)


@pytest.fixture
def session(db_engine):
    engine = db_engine(c.DECLARATIONS)
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.rollback()


class Outbox(list):
    def __call__(self, event_type, data, sequence=None, state=None):
        self.append((event_type, data))

    def of(self, event_type):
        return [d for t, d in self if t == event_type]


@pytest.fixture
def batch(session):
    b = batches.save_batch(session, ADMIN, batch_form())
    session.commit()
    return b


def fill(session, principal, declaration_id, **app):
    domain.save_application(session, principal, declaration_id, application(**app))
    domain.save_row(session, principal, declaration_id, s.PERSONNEL, person())
    domain.save_row(session, principal, declaration_id, s.PERSONNEL, person(name="钱七", category="创业辅导师"))
    domain.save_row(session, principal, declaration_id, s.PARTNERS, partner())
    domain.save_row(session, principal, declaration_id, s.LEDGER, ledger_row())


@pytest.fixture
def started(session, batch):
    ent = enterprise()
    d = domain.start(session, ent, batch["id"], {"enterprise_name": "南京玄武创业服务有限公司"}, accepted=True)
    session.commit()
    return ent, d["id"]


def submitted(session, started):
    ent, did = started
    fill(session, ent, did)
    outbox = Outbox()
    result = domain.submit(session, ent, did, TOTALS, outbox)
    session.commit()
    assert result["submitted"], result["problems"]
    return outbox


# --- batches -----------------------------------------------------------------


def test_only_an_admin_saves_a_batch_and_its_dates_are_checked(session):
    with pytest.raises(Forbidden):
        batches.save_batch(session, enterprise(), batch_form())
    with pytest.raises(ValidationFailed) as err:
        batches.save_batch(session, ADMIN, batch_form(closes_on="2020-01-01", opens_on="2020-02-01"))
    assert "截止日期不能早于开始日期" in err.value.errors["closes_on"]
    b = batches.save_batch(session, ADMIN, batch_form(min_partners="3", required_attachments=["申请报告"]))
    assert b["thresholds"] == {"min_partners": 3}
    assert b["required_attachments"] == ["申请报告"]
    assert b["closes_at"].endswith("15:59:59+00:00") and b["closes_on"] == batch_form()["closes_on"]


def test_the_demo_batch_is_open_only_warns_and_is_seeded_once(session):
    first, created = batches.seed_demo_batch(session)
    again, created_again = batches.seed_demo_batch(session)
    assert created and not created_again and first["id"] == again["id"]
    assert first["thresholds_block"] is False and first["thresholds"]
    assert [b["id"] for b in batches.list_batches(session, only_open=True)] == [first["id"]]


# --- 开始申报 ----------------------------------------------------------------


def test_start_needs_the_pledge_an_open_batch_and_only_once(session, batch):
    ent = enterprise()
    with pytest.raises(ValidationFailed):
        domain.start(session, ent, batch["id"], accepted=False)
    d = domain.start(session, ent, batch["id"], {"credit_code": "91350100M000100Y43"}, accepted=True)
    assert d["state"] == c.DRAFT and d["state_label"] == "填报中"
    with pytest.raises(Conflict):
        domain.start(session, ent, batch["id"], accepted=True)
    closed = batches.save_batch(session, ADMIN, batch_form(opens_on="2020-01-01", closes_on="2020-02-01",
                                                           resubmit_until="2020-03-01"))
    with pytest.raises(BadState) as err:
        domain.start(session, ent, closed["id"], accepted=True)
    assert "不在申报时间内" in err.value.message
    view = domain.get(session, ent, d["id"])
    assert view["sections"][s.APPLICATION]["credit_code"] == "91350100M000100Y43"  # prefilled
    assert view["sections"][s.APPLICATION]["region_code"] == REGION
    assert [h["to_state"] for h in view["history"]] == [c.DRAFT]
    assert [x["id"] for x in domain.list_mine(session, ent)] == [d["id"]]
    assert domain.list_mine(session, enterprise("ent-2")) == []


# --- saving ----------------------------------------------------------------


def test_saving_checks_what_is_filled_and_refuses_the_whole_form_on_an_error(session, started):
    ent, did = started
    with pytest.raises(ValidationFailed) as err:
        domain.save_application(session, ent, did, {"base_name": "玄武创业园", "revenue": "1,000"})
    assert err.value.errors == {"revenue": "金额请填写数字，最多两位小数，不要使用逗号"}
    domain.save_application(session, ent, did, {"base_name": "玄武创业园", "revenue": "1000"})
    view = domain.get(session, ent, did)
    assert view["sections"][s.APPLICATION] == {"base_name": "玄武创业园", "revenue": "1000.00"}
    assert view["section_states"][s.APPLICATION]["label"] == "填写中"
    domain.save_application(session, ent, did, application())
    assert domain.get(session, ent, did)["section_states"][s.APPLICATION]["label"] == "已完成"


def test_list_rows_are_added_edited_and_deleted(session, started):
    ent, did = started
    first = domain.save_row(session, ent, did, s.PERSONNEL, person())
    second = domain.save_row(session, ent, did, s.PERSONNEL, person(name="钱七"))
    domain.save_row(session, ent, did, s.PERSONNEL, person(name="孙八"), row_id=first["row_id"])
    domain.delete_row(session, ent, did, s.PERSONNEL, second["row_id"])
    rows = domain.get(session, ent, did)["sections"][s.PERSONNEL]
    assert [(r["id"], r["name"]) for r in rows] == [(first["row_id"], "孙八")]
    with pytest.raises(NotFound):
        domain.delete_row(session, ent, did, s.PERSONNEL, second["row_id"])
    with pytest.raises(ValidationFailed) as err:
        domain.save_row(session, ent, did, s.PERSONNEL, person(phone="12"))
    assert "phone" in err.value.errors


def test_nobody_else_reaches_a_draft(session, started):
    _ent, did = started
    for stranger in (enterprise("ent-2"), reviewer(c.COUNTY, REGION), reviewer(c.PROVINCE, "320000")):
        with pytest.raises(NotFound):
            domain.get(session, stranger, did)
    with pytest.raises(NotFound):
        domain.save_application(session, enterprise("ent-2"), did, {"base_name": "x"})
    with pytest.raises(Forbidden):
        domain.save_application(session, reviewer(c.COUNTY, REGION), did, {"base_name": "x"})


# --- 提交 ---------------------------------------------------------------------


def test_submit_reports_every_problem_grouped_by_section_and_changes_nothing(session, started):
    ent, did = started
    domain.save_application(session, ent, did, application(tenant_count="5", partner_count="3"))
    outbox = Outbox()
    result = domain.submit(session, ent, did, TOTALS, outbox)
    assert result["submitted"] is False and outbox == []
    by_section = {}
    for p in result["problems"]:
        by_section.setdefault(p["section"], []).append(p)
    assert "不一致" in by_section[s.APPLICATION][0]["message"]
    fields = {p["field"] for p in by_section[s.APPLICATION]}
    assert {"tenant_count", "partner_count", "service_staff"} <= fields
    assert set(by_section) >= {s.APPLICATION, s.PERSONNEL, s.PARTNERS, s.LEDGER}
    view = domain.get(session, ent, did)
    assert view["state"] == c.DRAFT and view["version"] == 0
    assert view["section_states"][s.APPLICATION]["label"] == "有问题"


def test_a_clean_submit_makes_a_version_the_events_and_freezes_the_sections(session, started):
    ent, did = started
    outbox = submitted(session, started)
    [event] = outbox.of(c.DECLARATION_SUBMITTED)
    assert event["level"] == c.COUNTY and event["version"] == 1 and event["resubmission"] is False
    assert event["region_code"] == REGION and event["enterprise_id"] == ent.id
    summary = event["summary"]
    assert summary["base_name"] == "玄武创业园" and summary["tenant_count"] == 2
    assert summary["service_staff"] == 2 and summary["mentors"] == 1 and summary["partners"] == 1
    [sms] = outbox.of(c.SMS_REQUESTED)
    assert sms["phone"] == "13912345678" and sms["template"] == c.SMS_DECLARATION_SUBMITTED
    assert sms["params"]["reference"] == summary["reference"]
    view = domain.get(session, ent, did)
    assert view["state"] == c.PENDING_COUNTY and view["state_label"] == "待区县审核"
    with pytest.raises(BadState) as err:
        domain.save_application(session, ent, did, application())
    assert "待区县审核" in err.value.message
    with pytest.raises(BadState):
        domain.submit(session, ent, did, TOTALS, Outbox())
    # now the county of the region sees it, another county does not
    assert domain.get(session, reviewer(c.COUNTY, REGION), did)["id"] == did
    assert domain.get(session, reviewer(c.CITY, "320100"), did)["id"] == did
    with pytest.raises(NotFound):
        domain.get(session, reviewer(c.COUNTY, OTHER_REGION), did)
    with pytest.raises(NotFound):
        domain.get(session, reviewer(c.CITY, "320500"), did)


def test_thresholds_warn_or_block_as_the_batch_says(session, batch):
    ent = enterprise()
    warn = batches.save_batch(session, ADMIN, batch_form(name="warn", min_partners="5"))
    d = domain.start(session, ent, warn["id"], accepted=True)
    fill(session, ent, d["id"])
    result = domain.submit(session, ent, d["id"], TOTALS, Outbox())
    assert result["submitted"] is True
    [w] = result["problems"]
    assert w["blocking"] is False and "低于本批次要求的5家" in w["message"]

    block = batches.save_batch(session, ADMIN, batch_form(name="block", min_partners="5",
                                                          thresholds_block="不允许提交"))
    d = domain.start(session, ent, block["id"], accepted=True)
    fill(session, ent, d["id"])
    result = domain.submit(session, ent, d["id"], TOTALS, Outbox())
    assert result["submitted"] is False and result["problems"][0]["blocking"] is True


def test_required_attachments_are_checked_at_submit(session):
    ent = enterprise()
    b = batches.save_batch(session, ADMIN, batch_form(required_attachments=["申请报告"]))
    d = domain.start(session, ent, b["id"], accepted=True)
    fill(session, ent, d["id"])
    result = domain.submit(session, ent, d["id"], TOTALS, Outbox())
    assert [p["message"] for p in result["problems"]] == ["请上传“申请报告”"]


# --- review events ------------------------------------------------------------


REVIEWER_CAUSE = {"kind": c.REVIEWER, "id": "rev-9"}
STATE_OF = {c.DECLARATION_APPROVED: c.APPROVED, c.DECLARATION_REJECTED: c.REJECTED,
            c.DECLARATION_RETURNED: c.RETURNED}


def review(session, did, event_type, sequence, out=None, version=1, minutes=None, **data):
    """Apply a review event as the handler does: the envelope with review's
    sequence (the case's revision) and the state after the move."""
    state = c.PENDING_STATE_OF_LEVEL[data["level"]] if event_type == c.DECLARATION_ADVANCED else STATE_OF[event_type]
    body = envelope({"declaration_id": did, "version": version, "enterprise_id": "ent-1", **data},
                    event_type=event_type, cause=REVIEWER_CAUSE, sequence=sequence, state=state,
                    occurred_at=None if minutes is None else domain.utcnow() + dt.timedelta(minutes=minutes))
    return domain.on_review_event(session, event_type, body, out if out is not None else Outbox())


def test_advanced_returned_and_resubmitted_to_the_returning_level(session, started):
    ent, did = started
    submitted(session, started)
    out = Outbox()
    assert review(session, did, c.DECLARATION_ADVANCED, 2, out, level=c.CITY)
    assert not review(session, did, c.DECLARATION_ADVANCED, 2, out, level=c.CITY)  # again: no effect
    long_reason = "入驻企业数与名单不一致，" * 10
    assert review(session, did, c.DECLARATION_RETURNED, 3, out, level=c.CITY, reason=long_reason,
                  sections=[s.APPLICATION])
    view = domain.get(session, ent, did)
    assert view["state"] == c.RETURNED and view["return_reason"] == long_reason
    assert view["section_states"][s.APPLICATION]["label"] == "有问题"
    [sms] = out.of(c.SMS_REQUESTED)
    assert sms["template"] == c.SMS_DECLARATION_RETURNED
    assert len(sms["params"]["reason"]) < len(long_reason) and sms["params"]["reason"].endswith("（详见平台）")
    domain.save_application(session, ent, did, application(base_name="玄武创业园（修改）"))
    assert domain.get(session, ent, did)["section_states"][s.APPLICATION]["label"] == "已完成"
    resubmit = Outbox()
    result = domain.submit(session, ent, did, TOTALS, resubmit)
    assert result["submitted"] and result["state"] == c.PENDING_CITY
    [ev] = resubmit.of(c.DECLARATION_SUBMITTED)
    assert ev["level"] == c.CITY and ev["resubmission"] is True and ev["version"] == 2
    history = domain.history(session, ent, did)
    assert [h["to_state"] for h in history] == [c.DRAFT, c.PENDING_COUNTY, c.PENDING_CITY, c.RETURNED, c.PENDING_CITY]
    assert history[3]["actor_kind"] == c.REVIEWER and history[3]["actor_id"] == "rev-9"
    changes = domain.diff(session, reviewer(c.CITY, "320100"), did, 1, 2)
    assert [(ch["label"], ch["before"], ch["after"]) for ch in changes] == [
        ("基地名称", "玄武创业园", "玄武创业园（修改）")
    ]


def test_after_an_admins_return_the_resubmission_goes_to_the_county_of_the_new_region(session, started):
    ent, did = started
    submitted(session, started)
    review(session, did, c.DECLARATION_RETURNED, 2, level=c.ADMIN_RETURN_LEVEL, reason="注册地区有误",
           sections=[s.APPLICATION])
    domain.save_application(session, ent, did, application(region_code=OTHER_REGION))
    out = Outbox()
    assert domain.submit(session, ent, did, TOTALS, out)["state"] == c.PENDING_COUNTY
    [ev] = out.of(c.DECLARATION_SUBMITTED)
    assert ev["region_code"] == OTHER_REGION and ev["level"] == c.COUNTY
    # both counties: the new one, and the old one that has seen it
    assert domain.get(session, reviewer(c.COUNTY, OTHER_REGION), did)
    assert domain.get(session, reviewer(c.COUNTY, REGION), did)


def test_after_a_city_return_a_changed_region_starts_again_at_its_county(session, started):
    """A city returned it, the enterprise moved its 注册地区 to another city:
    the new region's county has never seen it, so it goes there first."""
    ent, did = started
    submitted(session, started)
    review(session, did, c.DECLARATION_ADVANCED, 2, level=c.CITY)
    review(session, did, c.DECLARATION_RETURNED, 3, level=c.CITY, reason="请核对")
    domain.save_application(session, ent, did, application(region_code="320506"))
    out = Outbox()
    result = domain.submit(session, ent, did, TOTALS, out)
    assert result["state"] == c.PENDING_COUNTY and result["level"] == c.COUNTY
    [ev] = out.of(c.DECLARATION_SUBMITTED)
    assert ev["region_code"] == "320506" and ev["level"] == c.COUNTY
    # an unchanged region still goes back to the level that returned it
    review(session, did, c.DECLARATION_ADVANCED, 5, level=c.CITY, version=2)
    review(session, did, c.DECLARATION_RETURNED, 6, level=c.CITY, reason="再核对", version=2)
    assert domain.submit(session, ent, did, TOTALS, Outbox())["level"] == c.CITY


def test_approved_and_rejected_are_final_and_ask_for_an_sms(session, started, batch):
    ent, did = started
    submitted(session, started)
    out = Outbox()
    review(session, did, c.DECLARATION_ADVANCED, 2, out, level=c.CITY)
    review(session, did, c.DECLARATION_ADVANCED, 3, out, level=c.PROVINCE)
    assert review(session, did, c.DECLARATION_APPROVED, 4, out, reason="通过")
    assert domain.get(session, ent, did)["state_label"] == "已认定"
    assert out.of(c.SMS_REQUESTED)[0]["params"] == {"base_name": "玄武创业园"}

    other = enterprise("ent-2")
    d2 = domain.start(session, other, batch["id"], accepted=True)
    fill(session, other, d2["id"])
    domain.submit(session, other, d2["id"], TOTALS, Outbox())
    out = Outbox()
    assert review(session, d2["id"], c.DECLARATION_REJECTED, 2, out, level=c.COUNTY, reason="材料不实")
    assert domain.get(session, other, d2["id"])["state"] == c.REJECTED
    assert out.of(c.SMS_REQUESTED)[0]["params"] == {"reason": "材料不实"}


def test_approval_that_overtakes_the_advances_is_not_lost(session, started):
    """认定 handled while the declaration still waits at the county (the
    advances delayed on their own queues): 已认定 at once, an SMS, and the
    advances' rows in the history once they arrive; nothing moves back."""
    ent, did = started
    submitted(session, started)
    out = Outbox()
    assert review(session, did, c.DECLARATION_APPROVED, 4, out, minutes=3, reason="通过", from_state=c.PENDING_PROVINCE)
    view = domain.get(session, ent, did)
    assert view["state"] == c.APPROVED
    assert [m["template"] for m in out.of(c.SMS_REQUESTED)] == [c.SMS_DECLARATION_APPROVED]
    assert not review(session, did, c.DECLARATION_ADVANCED, 3, out, minutes=2, level=c.PROVINCE,
                      from_state=c.PENDING_CITY)
    assert not review(session, did, c.DECLARATION_ADVANCED, 2, out, minutes=1, level=c.CITY,
                      from_state=c.PENDING_COUNTY)
    assert not review(session, did, c.DECLARATION_ADVANCED, 2, out, minutes=1, level=c.CITY)  # a duplicate
    assert domain.get(session, ent, did)["state"] == c.APPROVED
    history = [(h["from_state"], h["to_state"]) for h in domain.history(session, ent, did)]
    assert history[-3:] == [
        (c.PENDING_COUNTY, c.PENDING_CITY), (c.PENDING_CITY, c.PENDING_PROVINCE), (c.PENDING_PROVINCE, c.APPROVED),
    ]
    assert len(out.of(c.SMS_REQUESTED)) == 1


def test_an_event_older_than_the_state_held_changes_nothing(session, started):
    _ent, did = started
    submitted(session, started)
    assert review(session, did, c.DECLARATION_ADVANCED, 3, level=c.CITY)
    assert not review(session, did, c.DECLARATION_RETURNED, 2, level=c.COUNTY, reason="x")
    assert domain.load(session, did).state == c.PENDING_CITY


# --- attachments --------------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    return blobs.LocalBlobStore(tmp_path)


def test_attachments_are_checked_by_content_and_reachable_by_owner_and_reviewers_in_scope(session, started, store):
    ent, did = started
    key = blobs.temp_key(ent)
    store.put(key, b"%PDF-1.4 minimal")
    a = attachments.add(session, store, ent, did, "申请报告", key, "../../申请报告.pdf")
    assert a["content_type"] == "application/pdf" and a["filename"] == "申请报告.pdf"
    assert not store.exists(key)
    got = attachments.for_download(session, ent, a["id"])
    assert store.get(got["blob_key"]) == b"%PDF-1.4 minimal"

    key = blobs.temp_key(ent)
    store.put(key, png_bytes((8, 8)))
    image = attachments.add(session, store, ent, did, "营业执照或法人证书", key, "licence.png")
    assert image["content_type"] == "image/png"

    key = blobs.temp_key(ent)
    store.put(key, b"MZ\x90\x00 not a document")
    with pytest.raises(ValidationFailed) as err:
        attachments.add(session, store, ent, did, "申请报告", key, "report.pdf")
    assert "只能上传PDF文件或图片" in err.value.errors["file"]
    assert not store.exists(key)

    with pytest.raises(NotFound):
        attachments.for_download(session, enterprise("ent-2"), a["id"])
    with pytest.raises(NotFound):
        attachments.for_download(session, reviewer(c.COUNTY, REGION), a["id"])  # a draft
    attachments.delete(session, store, ent, image["id"])
    assert [x["id"] for x in domain.get(session, ent, did)["attachments"]] == [a["id"]]

    # once submitted: the county of its region reads it, another county does not
    fill(session, ent, did)
    assert domain.submit(session, ent, did, TOTALS, Outbox())["submitted"]
    assert attachments.for_download(session, reviewer(c.COUNTY, REGION), a["id"])["blob_key"]
    with pytest.raises(NotFound):
        attachments.for_download(session, reviewer(c.COUNTY, OTHER_REGION), a["id"])
    with pytest.raises(BadState):
        attachments.delete(session, store, ent, a["id"])


def test_an_attachment_over_the_batchs_limit_is_refused(session, started, store):
    ent, did = started
    key = blobs.temp_key(ent)
    store.put(key, b"%PDF-" + b"0" * (5 * 1024 * 1024))
    with pytest.raises(ValidationFailed) as err:
        attachments.add(session, store, ent, did, "申请报告", key, "big.pdf")
    assert "5MB" in err.value.errors["file"]


def test_a_returned_declaration_is_editable_only_until_the_resubmission_deadline(session, started):
    from services.declarations.models import Batch

    ent, did = started
    submitted(session, started)
    review(session, did, c.DECLARATION_RETURNED, 2, level=c.COUNTY, reason="请补充")
    assert domain.get(session, ent, did)["editable"] is True
    batch = session.get(Batch, domain.load(session, did).batch_id)
    batch.closes_at = batch.resubmit_until = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    session.flush()
    assert domain.get(session, ent, did)["editable"] is False
    with pytest.raises(BadState) as err:
        domain.save_application(session, ent, did, application())
    assert "补正截止" in err.value.message
    with pytest.raises(BadState):
        domain.submit(session, ent, did, TOTALS, Outbox())


def test_yearly_minimums_per_service_category_are_checked(session):
    ent = enterprise()
    b = batches.save_batch(session, ADMIN, batch_form(cat2_visits="50", cat1_events="1"))  # 创业辅导, 信息服务
    d = domain.start(session, ent, b["id"], accepted=True)
    fill(session, ent, d["id"])  # one 创业辅导 row for 1 company
    domain.save_row(session, ent, d["id"], s.LEDGER, ledger_row(category="信息服务", target="活动", companies="20"))
    result = domain.submit(session, ent, d["id"], TOTALS, Outbox())
    assert result["submitted"] is True  # the batch only warns
    assert [p["message"] for p in result["problems"]] == ["创业辅导的服务家次为1家次，低于本批次要求的50家次"]


def test_importing_the_ledger_twice_asks_append_or_replace_and_never_duplicates(session, started):
    ent, did = started
    first = ledger_import.parse(ledger_workbook([LEDGER_GOOD, LEDGER_OTHER]))
    assert domain.import_rows(session, ent, did, s.LEDGER, first)["imported"] == 2  # empty ledger: no question
    again = ledger_import.parse(ledger_workbook([LEDGER_GOOD, LEDGER_OTHER, LEDGER_THIRD]))
    asked = domain.import_rows(session, ent, did, s.LEDGER, again)
    assert asked["needs_mode"] is True and asked["imported"] == 0
    assert len(domain.get(session, ent, did)["sections"][s.LEDGER]) == 2  # nothing written meanwhile

    appended = domain.import_rows(session, ent, did, s.LEDGER, again, mode=ledger_import.APPEND)
    assert (appended["imported"], appended["skipped"], appended["count"]) == (1, 2, 3)
    replaced = domain.import_rows(session, ent, did, s.LEDGER, first, mode=ledger_import.REPLACE)
    assert (replaced["imported"], replaced["replaced"], replaced["count"]) == (2, 3, 2)
    rows = domain.get(session, ent, did)["sections"][s.LEDGER]
    assert [r["target"] for r in rows] == ["南京某某科技有限公司", "苏州某某信息有限公司"]
    assert len({r["id"] for r in rows}) == 2


def test_the_account_record_is_compared_after_width_and_case_folding():
    from services.declarations import checks

    app = {"credit_code": "９１３２０１０２ma1xyw12ab", "operator_name": "南京玄武创业服务（有限）公司 "}
    account = {"credit_code": "91320102MA1XYW12AB", "name": "南京玄武创业服务(有限)公司"}
    assert checks.account_problems(app, account) == []
    other = {"credit_code": "91320102MA1XYW1299", "name": "南京另一家公司"}
    assert [p["field"] for p in checks.account_problems(app, other)] == ["credit_code", "operator_name"]
