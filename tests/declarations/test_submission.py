"""提交 with its checks: problems by section, versions, events, thresholds,
required attachments and the account's own record (real PostgreSQL)."""
import pytest

from services.common import contracts
from services.common.errors import BadState, NotFound
from services.declarations import batches, editing, sections, submission, views
from tests.declarations.helpers import (
    ADMIN, OTHER_REGION, REGION, TOTALS, application, batch_form, enterprise, ledger_row, reviewer,
)
from tests.declarations.on_database import Outbox, fill, submitted
from tests.declarations.on_database import batch, session, started  # noqa: F401 (fixtures)


# --- 提交 ---------------------------------------------------------------------


def test_submit_reports_every_problem_grouped_by_section_and_changes_nothing(session, started):
    ent, did = started
    editing.save_application(session, ent, did, application(tenant_count="5", partner_count="3"))
    outbox = Outbox()
    result = submission.submit(session, ent, did, TOTALS, outbox)
    assert result["submitted"] is False and outbox == []
    by_section = {}
    for p in result["problems"]:
        by_section.setdefault(p["section"], []).append(p)
    assert "不一致" in by_section[sections.APPLICATION][0]["message"]
    fields = {p["field"] for p in by_section[sections.APPLICATION]}
    assert {"tenant_count", "partner_count", "service_staff"} <= fields
    assert set(by_section) >= {sections.APPLICATION, sections.PERSONNEL, sections.PARTNERS, sections.LEDGER}
    view = views.get(session, ent, did)
    assert view["state"] == contracts.DRAFT and view["version"] == 0
    assert view["section_states"][sections.APPLICATION]["label"] == "有问题"


def test_a_clean_submit_makes_a_version_the_events_and_freezes_the_sections(session, started):
    ent, did = started
    outbox = submitted(session, started)
    [event] = outbox.of(contracts.DECLARATION_SUBMITTED)
    assert event["level"] == contracts.COUNTY and event["version"] == 1 and event["resubmission"] is False
    assert event["region_code"] == REGION and event["enterprise_id"] == ent.id
    summary = event["summary"]
    assert summary["base_name"] == "玄武创业园" and summary["tenant_count"] == 2
    assert summary["service_staff"] == 2 and summary["mentors"] == 1 and summary["partners"] == 1
    [sms] = outbox.of(contracts.SMS_REQUESTED)
    assert sms["phone"] == "13912345678" and sms["template"] == contracts.SMS_DECLARATION_SUBMITTED
    assert sms["params"]["reference"] == summary["reference"]
    view = views.get(session, ent, did)
    assert view["state"] == contracts.PENDING_COUNTY and view["state_label"] == "待区县审核"
    with pytest.raises(BadState) as err:
        editing.save_application(session, ent, did, application())
    assert "待区县审核" in err.value.message
    with pytest.raises(BadState):
        submission.submit(session, ent, did, TOTALS, Outbox())
    # now the county of the region sees it, another county does not
    assert views.get(session, reviewer(contracts.COUNTY, REGION), did)["id"] == did
    assert views.get(session, reviewer(contracts.CITY, "320100"), did)["id"] == did
    with pytest.raises(NotFound):
        views.get(session, reviewer(contracts.COUNTY, OTHER_REGION), did)
    with pytest.raises(NotFound):
        views.get(session, reviewer(contracts.CITY, "320500"), did)


def test_thresholds_warn_or_block_as_the_batch_says(session, batch):
    ent = enterprise()
    warn = batches.save_batch(session, ADMIN, batch_form(name="warn", min_partners="5"))
    d = editing.start(session, ent, warn["id"], accepted=True)
    fill(session, ent, d["id"])
    result = submission.submit(session, ent, d["id"], TOTALS, Outbox())
    assert result["submitted"] is True
    [w] = result["problems"]
    assert w["blocking"] is False and "低于本批次要求的5家" in w["message"]

    block = batches.save_batch(session, ADMIN, batch_form(name="block", min_partners="5",
                                                          thresholds_block="不允许提交"))
    d = editing.start(session, ent, block["id"], accepted=True)
    fill(session, ent, d["id"])
    result = submission.submit(session, ent, d["id"], TOTALS, Outbox())
    assert result["submitted"] is False and result["problems"][0]["blocking"] is True


def test_required_attachments_are_checked_at_submit(session):
    ent = enterprise()
    b = batches.save_batch(session, ADMIN, batch_form(required_attachments=["申请报告"]))
    d = editing.start(session, ent, b["id"], accepted=True)
    fill(session, ent, d["id"])
    result = submission.submit(session, ent, d["id"], TOTALS, Outbox())
    assert [p["message"] for p in result["problems"]] == ["请上传“申请报告”"]


def test_yearly_minimums_per_service_category_are_checked(session):
    ent = enterprise()
    b = batches.save_batch(session, ADMIN, batch_form(cat2_visits="50", cat1_events="1"))  # 创业辅导, 信息服务
    d = editing.start(session, ent, b["id"], accepted=True)
    fill(session, ent, d["id"])  # one 创业辅导 row for 1 company
    editing.save_row(session, ent, d["id"], sections.LEDGER, ledger_row(category="信息服务", target="活动", companies="20"))
    result = submission.submit(session, ent, d["id"], TOTALS, Outbox())
    assert result["submitted"] is True  # the batch only warns
    assert [p["message"] for p in result["problems"]] == ["创业辅导的服务家次为1家次，低于本批次要求的50家次"]


def test_the_account_record_is_compared_after_width_and_case_folding():
    from services.declarations import checks

    app = {"credit_code": "９１３２０１０２ma1xyw12ab", "operator_name": "南京玄武创业服务（有限）公司 "}
    account = {"credit_code": "91320102MA1XYW12AB", "name": "南京玄武创业服务(有限)公司"}
    assert checks.account_problems(app, account) == []
    other = {"credit_code": "91320102MA1XYW1299", "name": "南京另一家公司"}
    assert [p["field"] for p in checks.account_problems(app, other)] == ["credit_code", "operator_name"]
