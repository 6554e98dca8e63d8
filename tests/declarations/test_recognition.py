"""公示 and 认定 as declarations keeps them: the states 待公示 and 公示中 with
the period, the 认定文号, 证书编号 and validity on the list, 查看 and the
public verification page, the batch's 需要公示 sent to review, and the
printed 认定证书 (real PostgreSQL)."""
import pytest

from services.common import contracts
from services.common.errors import BadState, ValidationFailed
from services.common.outbox import envelope
from services.declarations import batches, printing, recognition_print, review_events, views
from tests.declarations.helpers import ADMIN, batch_form, enterprise
from tests.declarations.on_database import REVIEWER_CAUSE, Outbox, review, submitted
from tests.declarations.on_database import batch, session, started  # noqa: F401 (fixtures)

PUBLICITY = {"publicity_id": 7, "title": "2026年度双创基地拟认定名单公示", "starts_on": "2026-12-01",
             "ends_on": "2026-12-07", "from_state": contracts.PENDING_PUBLICITY}
RECOGNITION = {"document_number": "苏工信中小〔2026〕88号", "certificate_number": "苏双创基地〔2026〕0001",
               "valid_from": "2026-12-10", "valid_until": "2029-12-09", "from_state": contracts.IN_PUBLICITY}


def event(session, did, event_type, sequence, state, out=None, version=1, **data):
    body = envelope({"declaration_id": did, "version": version, "enterprise_id": "ent-1", **data},
                    event_type=event_type, cause=REVIEWER_CAUSE, sequence=sequence, state=state)
    return review_events.on_review_event(session, event_type, body, out if out is not None else Outbox())


def to_province(session, did):
    review(session, did, contracts.DECLARATION_ADVANCED, 2, level=contracts.CITY)
    review(session, did, contracts.DECLARATION_ADVANCED, 3, level=contracts.PROVINCE)


def test_pending_publicity_then_in_publicity_show_the_period(session, started):
    ent, did = started
    submitted(session, started)
    to_province(session, did)
    assert event(session, did, contracts.DECLARATION_ADVANCED, 4, contracts.PENDING_PUBLICITY,
                 level=contracts.PROVINCE, from_state=contracts.PENDING_PROVINCE)
    [mine] = views.list_mine(session, ent)
    assert mine["state"] == contracts.PENDING_PUBLICITY and mine["state_label"] == "待公示"
    assert mine["publicity"] is None and not mine["editable"]
    assert event(session, did, contracts.DECLARATION_PUBLICIZED, 5, contracts.IN_PUBLICITY, **PUBLICITY)
    view = views.get(session, ent, did)
    assert view["state_label"] == "公示中"
    assert view["publicity"] == {"title": PUBLICITY["title"], "starts_on": "2026-12-01", "ends_on": "2026-12-07"}
    assert [h["to_label"] for h in view["history"]][-2:] == ["待公示", "公示中"]


def test_an_approval_stores_document_certificate_and_validity(session, started):
    ent, did = started
    submitted(session, started)
    to_province(session, did)
    out = Outbox()
    assert event(session, did, contracts.DECLARATION_APPROVED, 6, contracts.APPROVED, out, **RECOGNITION)
    # the 公示 that it overtook still leaves its period, not the state
    assert not event(session, did, contracts.DECLARATION_PUBLICIZED, 5, contracts.IN_PUBLICITY, **PUBLICITY)
    [mine] = views.list_mine(session, ent)
    assert mine["state"] == contracts.APPROVED
    assert mine["recognition"] == {"document_number": "苏工信中小〔2026〕88号",
                                   "certificate_number": "苏双创基地〔2026〕0001",
                                   "valid_from": "2026-12-10", "valid_until": "2029-12-09"}
    assert views.get(session, ent, did)["publicity"]["ends_on"] == "2026-12-07"
    [sms] = out.of(contracts.SMS_REQUESTED)
    assert sms["template"] == contracts.SMS_DECLARATION_APPROVED


def test_an_approval_of_an_older_version_stores_nothing(session, started):
    ent, did = started
    submitted(session, started)
    event(session, did, contracts.DECLARATION_APPROVED, 6, contracts.APPROVED, version=0, **RECOGNITION)
    assert views.get(session, ent, did)["recognition"] is None


def test_the_batch_says_whether_publicity_is_required(session):
    b = batches.save_batch(session, ADMIN, batch_form())
    assert b["publicity_required"] is True  # the default
    assert batches.form_values(batches.get_batch(session, b["id"]))["publicity"] == "需要公示"
    b = batches.save_batch(session, ADMIN, batch_form(publicity="不需要公示"), batch_id=b["id"])
    assert b["publicity_required"] is False


@pytest.mark.parametrize("choice,required", [("需要公示", True), ("不需要公示", False)])
def test_the_submission_tells_review_whether_publicity_is_required(session, started, batch, choice, required):
    batches.save_batch(session, ADMIN, batch_form(publicity=choice), batch_id=batch["id"])
    out = submitted(session, started)
    [ev] = out.of(contracts.DECLARATION_SUBMITTED)
    assert ev["summary"]["publicity_required"] is required


def test_a_batch_may_give_each_review_level_its_own_working_days(session, started, batch):
    assert batches.form_values(batches.get_batch(session, batch["id"]))["review_due_working_days"] == ""
    out = submitted(session, started)
    [ev] = out.of(contracts.DECLARATION_SUBMITTED)
    assert "review_due_working_days" not in ev["summary"]  # review counts with its default
    b = batches.save_batch(session, ADMIN, batch_form(review_due_working_days="5"), batch_id=batch["id"])
    assert b["review_due_working_days"] == 5
    with pytest.raises(ValidationFailed):
        batches.save_batch(session, ADMIN, batch_form(review_due_working_days="0"), batch_id=batch["id"])


def test_the_submission_tells_review_the_batch_allowance(session, started, batch):
    batches.save_batch(session, ADMIN, batch_form(review_due_working_days="5"), batch_id=batch["id"])
    out = submitted(session, started)
    [ev] = out.of(contracts.DECLARATION_SUBMITTED)
    assert ev["summary"]["review_due_working_days"] == 5


class Store:
    def __init__(self):
        self.blobs = {}

    def put(self, key, data, content_type):
        self.blobs[key] = data
        return {"size": len(data), "sha256": "0" * 64}


def test_the_certificate_prints_once_and_its_qr_verifies_the_recognition(session, started):
    ent, did = started
    submitted(session, started)
    with pytest.raises(BadState):
        recognition_print.print_recognition(session, Store(), ent, did, "https://sme.example.cn")
    event(session, did, contracts.DECLARATION_APPROVED, 6, contracts.APPROVED, **RECOGNITION)
    pages = []

    def render(html):
        pages.append(html)
        return b"%PDF-1.7 certificate"

    store = Store()
    first = recognition_print.print_recognition(session, store, ent, did, "https://sme.example.cn", render=render)
    again = recognition_print.print_recognition(session, store, ent, did, "https://sme.example.cn", render=render)
    assert first == again and len(pages) == 1 and first["filename"] == "苏双创基地〔2026〕0001_认定证书.pdf"
    [html] = pages
    assert "苏工信中小〔2026〕88号" in html and "2026-12-10 至 2029-12-09" in html and "玄武创业园" in html
    verify_id = html.split("/verify/")[1].split("<")[0].strip()
    seen = printing.verify(session, verify_id)
    assert seen["certificate"] and seen["recognition"]["certificate_number"] == "苏双创基地〔2026〕0001"
    assert "base_name" not in seen and "sections" not in seen
    with pytest.raises(Exception):
        recognition_print.print_recognition(session, Store(), enterprise("ent-2"), did, "https://sme.example.cn")


@pytest.mark.parametrize("state", [contracts.PENDING_PUBLICITY, contracts.IN_PUBLICITY])
def test_personal_data_is_not_erased_while_under_publicity(session, started, state):
    """待公示 and 公示中 are still in review's hands, like a pending declaration."""
    from services.declarations import retention

    _ent, did = started
    submitted(session, started)
    to_province(session, did)
    event(session, did, contracts.DECLARATION_ADVANCED, 4, contracts.PENDING_PUBLICITY, level=contracts.PROVINCE)
    if state == contracts.IN_PUBLICITY:
        event(session, did, contracts.DECLARATION_PUBLICIZED, 5, contracts.IN_PUBLICITY, **PUBLICITY)
    with pytest.raises(BadState, match="审核中"):
        retention.erase_enterprise(session, Store(), ADMIN, "ent-1")
