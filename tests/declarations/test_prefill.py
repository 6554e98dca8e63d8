"""开始申报 in a batch of kind 复核: the 申请表, 主要人员 and 合作服务机构 of the
enterprise's last recognised declaration, marked as carried over until saved;
never its 服务台账 or 入驻企业 (real PostgreSQL)."""
from services.common import contracts
from services.declarations import batches, editing, prefill, section_pages, sections, views
from tests.declarations.helpers import ADMIN, application, batch_form, enterprise, person
from tests.declarations.on_database import Outbox, review, submitted
from tests.declarations.on_database import batch, session, started  # noqa: F401 (fixtures)

PROFILE = {"enterprise_name": "南京玄武创业服务有限公司"}


def recheck_batch(session, **overrides):
    b = batches.save_batch(session, ADMIN, batch_form(name="2029年度双创基地复核", kind="复核", **overrides))
    session.commit()
    return b


def test_a_recheck_starts_from_the_last_recognised_declaration(session, started):
    ent, did = started
    submitted(session, started)
    review(session, did, contracts.DECLARATION_APPROVED, 2, Outbox(), level=contracts.PROVINCE)
    session.commit()
    recheck = recheck_batch(session)
    new = editing.start(session, ent, recheck["id"], PROFILE, accepted=True)
    view = views.get(session, ent, new["id"])
    assert view["sections"][sections.APPLICATION]["base_name"] == "玄武创业园"
    assert [p["name"] for p in view["sections"][sections.PERSONNEL]] == ["王五", "钱七"]
    assert len(view["sections"][sections.PARTNERS]) == 1
    assert view["sections"][sections.LEDGER] == []  # not the 台账 of an old year
    assert view["carried_over"] == [sections.APPLICATION, sections.PERSONNEL, sections.PARTNERS]
    assert view["carried_notice"] == "已从上次申报带入，请核对后保存"
    assert view["section_states"][sections.PERSONNEL]["label"] == prefill.STATE_LABEL
    page = section_pages.section_view(session, ent, new["id"], sections.PARTNERS)  # what the section's page reads
    assert page["carried_over"] == [sections.PARTNERS] and page["carried_notice"] == prefill.NOTICE
    # saving a section takes its mark away, and only its own
    editing.save_application(session, ent, new["id"], application(base_name="玄武创业园"))
    editing.save_row(session, ent, new["id"], sections.PERSONNEL, person(name="孙八"))
    assert views.get(session, ent, new["id"])["carried_over"] == [sections.PARTNERS]
    # the old declaration is untouched
    assert [p["name"] for p in views.get(session, ent, did)["sections"][sections.PERSONNEL]] == ["王五", "钱七"]


def test_a_first_declaration_batch_starts_empty(session, started):
    ent, did = started
    submitted(session, started)
    other = batches.save_batch(session, ADMIN, batch_form(name="另一个首次申报批次"))
    new = editing.start(session, ent, other["id"], PROFILE, accepted=True)
    view = views.get(session, ent, new["id"])
    assert view["carried_over"] == [] and view["sections"][sections.PERSONNEL] == []


def test_without_a_recognised_one_the_latest_submitted_is_carried_and_drafts_never(session, started):
    ent, did = started
    recheck = recheck_batch(session)
    draft_only = editing.start(session, enterprise("ent-9"), recheck["id"], PROFILE, accepted=True)
    assert views.get(session, enterprise("ent-9"), draft_only["id"])["carried_over"] == []
    submitted(session, started)  # submitted, not recognised
    new = editing.start(session, ent, recheck["id"], PROFILE, accepted=True)
    assert views.get(session, ent, new["id"])["carried_over"] == [
        sections.APPLICATION, sections.PERSONNEL, sections.PARTNERS]


def test_recheck_is_a_batch_kind(session):
    assert "复核" in batches.KINDS
    assert recheck_batch(session)["kind"] == "复核"
