"""开始申报, saving the 申请表 and rows, the Excel import, who may change a
declaration and until when (real PostgreSQL)."""
import datetime as dt

import pytest

from services.common import contracts
from services.common.errors import BadState, Conflict, Forbidden, NotFound, ValidationFailed
from services.declarations import access, batches, editing, ledger_import, sections, submission, views
from tests.declarations.helpers import (
    ADMIN, REGION, TOTALS, application, batch_form, enterprise, person, reviewer,
)
from tests.declarations.fixtures import GOOD as LEDGER_GOOD
from tests.declarations.fixtures import workbook as ledger_workbook
from tests.declarations.on_database import Outbox, review, submitted
from tests.declarations.on_database import batch, session, started  # noqa: F401 (fixtures)

LEDGER_OTHER = ["2025-04-01", "信息服务", "苏州某某信息有限公司", "政策推送", "线上", "", 5, 5, "免费", 0, ""]
LEDGER_THIRD = ["2025-05-01", "人员培训", "无锡某某有限公司", "财务培训", "线下", "培训室", 3, 9, "低收费", 20, ""]


# --- 开始申报 ----------------------------------------------------------------


def test_start_needs_the_pledge_an_open_batch_and_only_once(session, batch):
    ent = enterprise()
    with pytest.raises(ValidationFailed):
        editing.start(session, ent, batch["id"], accepted=False)
    d = editing.start(session, ent, batch["id"], {"credit_code": "91350100M000100Y43"}, accepted=True)
    assert d["state"] == contracts.DRAFT and d["state_label"] == "填报中"
    with pytest.raises(Conflict):
        editing.start(session, ent, batch["id"], accepted=True)
    closed = batches.save_batch(session, ADMIN, batch_form(opens_on="2020-01-01", closes_on="2020-02-01",
                                                           resubmit_until="2020-03-01"))
    with pytest.raises(BadState) as err:
        editing.start(session, ent, closed["id"], accepted=True)
    assert "不在申报时间内" in err.value.message
    view = views.get(session, ent, d["id"])
    assert view["sections"][sections.APPLICATION]["credit_code"] == "91350100M000100Y43"  # prefilled
    assert view["sections"][sections.APPLICATION]["region_code"] == REGION
    assert [h["to_state"] for h in view["history"]] == [contracts.DRAFT]
    assert [x["id"] for x in views.list_mine(session, ent)] == [d["id"]]
    assert views.list_mine(session, enterprise("ent-2")) == []


# --- saving ----------------------------------------------------------------


def test_saving_checks_what_is_filled_and_refuses_the_whole_form_on_an_error(session, started):
    ent, did = started
    with pytest.raises(ValidationFailed) as err:
        editing.save_application(session, ent, did, {"base_name": "玄武创业园", "revenue": "1,000"})
    assert err.value.errors == {"revenue": "金额请填写数字，最多两位小数，不要使用逗号"}
    editing.save_application(session, ent, did, {"base_name": "玄武创业园", "revenue": "1000"})
    view = views.get(session, ent, did)
    assert view["sections"][sections.APPLICATION] == {"base_name": "玄武创业园", "revenue": "1000.00"}
    assert view["section_states"][sections.APPLICATION]["label"] == "填写中"
    editing.save_application(session, ent, did, application())
    assert views.get(session, ent, did)["section_states"][sections.APPLICATION]["label"] == "已完成"


def test_list_rows_are_added_edited_and_deleted(session, started):
    ent, did = started
    first = editing.save_row(session, ent, did, sections.PERSONNEL, person())
    second = editing.save_row(session, ent, did, sections.PERSONNEL, person(name="钱七"))
    editing.save_row(session, ent, did, sections.PERSONNEL, person(name="孙八"), row_id=first["row_id"])
    editing.delete_row(session, ent, did, sections.PERSONNEL, second["row_id"])
    rows = views.get(session, ent, did)["sections"][sections.PERSONNEL]
    assert [(r["id"], r["name"]) for r in rows] == [(first["row_id"], "孙八")]
    with pytest.raises(NotFound):
        editing.delete_row(session, ent, did, sections.PERSONNEL, second["row_id"])
    with pytest.raises(ValidationFailed) as err:
        editing.save_row(session, ent, did, sections.PERSONNEL, person(phone="12"))
    assert "phone" in err.value.errors


def test_nobody_else_reaches_a_draft(session, started):
    _ent, did = started
    for stranger in (enterprise("ent-2"), reviewer(contracts.COUNTY, REGION), reviewer(contracts.PROVINCE, "320000")):
        with pytest.raises(NotFound):
            views.get(session, stranger, did)
    with pytest.raises(NotFound):
        editing.save_application(session, enterprise("ent-2"), did, {"base_name": "x"})
    with pytest.raises(Forbidden):
        editing.save_application(session, reviewer(contracts.COUNTY, REGION), did, {"base_name": "x"})

def test_a_returned_declaration_is_editable_only_until_the_resubmission_deadline(session, started):
    from services.declarations.models import Batch

    ent, did = started
    submitted(session, started)
    review(session, did, contracts.DECLARATION_RETURNED, 2, level=contracts.COUNTY, reason="请补充")
    assert views.get(session, ent, did)["editable"] is True
    batch = session.get(Batch, access.load(session, did).batch_id)
    batch.closes_at = batch.resubmit_until = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    session.flush()
    assert views.get(session, ent, did)["editable"] is False
    with pytest.raises(BadState) as err:
        editing.save_application(session, ent, did, application())
    assert "补正截止" in err.value.message
    with pytest.raises(BadState):
        submission.submit(session, ent, did, TOTALS, Outbox())


def test_importing_the_ledger_twice_asks_append_or_replace_and_never_duplicates(session, started):
    ent, did = started
    first = ledger_import.parse(ledger_workbook([LEDGER_GOOD, LEDGER_OTHER]))
    assert editing.import_rows(session, ent, did, sections.LEDGER, first)["imported"] == 2  # empty ledger: no question
    again = ledger_import.parse(ledger_workbook([LEDGER_GOOD, LEDGER_OTHER, LEDGER_THIRD]))
    asked = editing.import_rows(session, ent, did, sections.LEDGER, again)
    assert asked["needs_mode"] is True and asked["imported"] == 0
    assert len(views.get(session, ent, did)["sections"][sections.LEDGER]) == 2  # nothing written meanwhile

    appended = editing.import_rows(session, ent, did, sections.LEDGER, again, mode=ledger_import.APPEND)
    assert (appended["imported"], appended["skipped"], appended["count"]) == (1, 2, 3)
    replaced = editing.import_rows(session, ent, did, sections.LEDGER, first, mode=ledger_import.REPLACE)
    assert (replaced["imported"], replaced["replaced"], replaced["count"]) == (2, 3, 2)
    rows = views.get(session, ent, did)["sections"][sections.LEDGER]
    assert [r["target"] for r in rows] == ["南京某某科技有限公司", "苏州某某信息有限公司"]
    assert len({r["id"] for r in rows}) == 2
