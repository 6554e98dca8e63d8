"""Review events applied by review's sequence, the resubmission level,
the SMS they ask for and the versions' differences (real PostgreSQL)."""
from services.common import contracts
from services.declarations import access, editing, sections, submission, versions, views
from tests.declarations.helpers import OTHER_REGION, REGION, TOTALS, application, enterprise, reviewer
from tests.declarations.on_database import Outbox, fill, review, submitted
from tests.declarations.on_database import batch, session, started  # noqa: F401 (fixtures)


def test_advanced_returned_and_resubmitted_to_the_returning_level(session, started):
    ent, did = started
    submitted(session, started)
    out = Outbox()
    assert review(session, did, contracts.DECLARATION_ADVANCED, 2, out, level=contracts.CITY)
    assert not review(session, did, contracts.DECLARATION_ADVANCED, 2, out, level=contracts.CITY)  # again: no effect
    long_reason = "入驻企业数与名单不一致，" * 10
    assert review(session, did, contracts.DECLARATION_RETURNED, 3, out, level=contracts.CITY, reason=long_reason,
                  sections=[sections.APPLICATION])
    view = views.get(session, ent, did)
    assert view["state"] == contracts.RETURNED and view["return_reason"] == long_reason
    assert view["section_states"][sections.APPLICATION]["label"] == "有问题"
    [sms] = out.of(contracts.SMS_REQUESTED)
    assert sms["template"] == contracts.SMS_DECLARATION_RETURNED
    assert len(sms["params"]["reason"]) < len(long_reason) and sms["params"]["reason"].endswith("（详见平台）")
    editing.save_application(session, ent, did, application(base_name="玄武创业园（修改）"))
    assert views.get(session, ent, did)["section_states"][sections.APPLICATION]["label"] == "已完成"
    resubmit = Outbox()
    result = submission.submit(session, ent, did, TOTALS, resubmit)
    assert result["submitted"] and result["state"] == contracts.PENDING_CITY
    [ev] = resubmit.of(contracts.DECLARATION_SUBMITTED)
    assert ev["level"] == contracts.CITY and ev["resubmission"] is True and ev["version"] == 2
    history = views.history(session, ent, did)
    assert [h["to_state"] for h in history] == [contracts.DRAFT, contracts.PENDING_COUNTY, contracts.PENDING_CITY, contracts.RETURNED, contracts.PENDING_CITY]
    assert history[3]["actor_kind"] == contracts.REVIEWER and history[3]["actor_id"] == "rev-9"
    changes = versions.diff(session, reviewer(contracts.CITY, "320100"), did, 1, 2)
    assert [(ch["label"], ch["before"], ch["after"]) for ch in changes] == [
        ("基地名称", "玄武创业园", "玄武创业园（修改）")
    ]


def test_after_an_admins_return_the_resubmission_goes_to_the_county_of_the_new_region(session, started):
    ent, did = started
    submitted(session, started)
    review(session, did, contracts.DECLARATION_RETURNED, 2, level=contracts.ADMIN_RETURN_LEVEL, reason="注册地区有误",
           sections=[sections.APPLICATION])
    editing.save_application(session, ent, did, application(region_code=OTHER_REGION))
    out = Outbox()
    assert submission.submit(session, ent, did, TOTALS, out)["state"] == contracts.PENDING_COUNTY
    [ev] = out.of(contracts.DECLARATION_SUBMITTED)
    assert ev["region_code"] == OTHER_REGION and ev["level"] == contracts.COUNTY
    # both counties: the new one, and the old one that has seen it
    assert views.get(session, reviewer(contracts.COUNTY, OTHER_REGION), did)
    assert views.get(session, reviewer(contracts.COUNTY, REGION), did)


def test_after_a_city_return_a_changed_region_starts_again_at_its_county(session, started):
    """A city returned it, the enterprise moved its 注册地区 to another city:
    the new region's county has never seen it, so it goes there first."""
    ent, did = started
    submitted(session, started)
    review(session, did, contracts.DECLARATION_ADVANCED, 2, level=contracts.CITY)
    review(session, did, contracts.DECLARATION_RETURNED, 3, level=contracts.CITY, reason="请核对")
    editing.save_application(session, ent, did, application(region_code="320506"))
    out = Outbox()
    result = submission.submit(session, ent, did, TOTALS, out)
    assert result["state"] == contracts.PENDING_COUNTY and result["level"] == contracts.COUNTY
    [ev] = out.of(contracts.DECLARATION_SUBMITTED)
    assert ev["region_code"] == "320506" and ev["level"] == contracts.COUNTY
    # an unchanged region still goes back to the level that returned it
    review(session, did, contracts.DECLARATION_ADVANCED, 5, level=contracts.CITY, version=2)
    review(session, did, contracts.DECLARATION_RETURNED, 6, level=contracts.CITY, reason="再核对", version=2)
    assert submission.submit(session, ent, did, TOTALS, Outbox())["level"] == contracts.CITY


def test_approved_and_rejected_are_final_and_ask_for_an_sms(session, started, batch):
    ent, did = started
    submitted(session, started)
    out = Outbox()
    review(session, did, contracts.DECLARATION_ADVANCED, 2, out, level=contracts.CITY)
    review(session, did, contracts.DECLARATION_ADVANCED, 3, out, level=contracts.PROVINCE)
    assert review(session, did, contracts.DECLARATION_APPROVED, 4, out, reason="通过")
    assert views.get(session, ent, did)["state_label"] == "已认定"
    assert out.of(contracts.SMS_REQUESTED)[0]["params"] == {"base_name": "玄武创业园"}

    other = enterprise("ent-2")
    d2 = editing.start(session, other, batch["id"], accepted=True)
    fill(session, other, d2["id"])
    submission.submit(session, other, d2["id"], TOTALS, Outbox())
    out = Outbox()
    assert review(session, d2["id"], contracts.DECLARATION_REJECTED, 2, out, level=contracts.COUNTY, reason="材料不实")
    assert views.get(session, other, d2["id"])["state"] == contracts.REJECTED
    assert out.of(contracts.SMS_REQUESTED)[0]["params"] == {"reason": "材料不实"}


def test_approval_that_overtakes_the_advances_is_not_lost(session, started):
    """认定 handled while the declaration still waits at the county (the
    advances delayed on their own queues): 已认定 at once, an SMS, and the
    advances' rows in the history once they arrive; nothing moves back."""
    ent, did = started
    submitted(session, started)
    out = Outbox()
    assert review(session, did, contracts.DECLARATION_APPROVED, 4, out, minutes=3, reason="通过", from_state=contracts.PENDING_PROVINCE)
    view = views.get(session, ent, did)
    assert view["state"] == contracts.APPROVED
    assert [m["template"] for m in out.of(contracts.SMS_REQUESTED)] == [contracts.SMS_DECLARATION_APPROVED]
    assert not review(session, did, contracts.DECLARATION_ADVANCED, 3, out, minutes=2, level=contracts.PROVINCE,
                      from_state=contracts.PENDING_CITY)
    assert not review(session, did, contracts.DECLARATION_ADVANCED, 2, out, minutes=1, level=contracts.CITY,
                      from_state=contracts.PENDING_COUNTY)
    assert not review(session, did, contracts.DECLARATION_ADVANCED, 2, out, minutes=1, level=contracts.CITY)  # a duplicate
    assert views.get(session, ent, did)["state"] == contracts.APPROVED
    history = [(h["from_state"], h["to_state"]) for h in views.history(session, ent, did)]
    assert history[-3:] == [
        (contracts.PENDING_COUNTY, contracts.PENDING_CITY), (contracts.PENDING_CITY, contracts.PENDING_PROVINCE), (contracts.PENDING_PROVINCE, contracts.APPROVED),
    ]
    assert len(out.of(contracts.SMS_REQUESTED)) == 1


def test_an_event_older_than_the_state_held_changes_nothing(session, started):
    _ent, did = started
    submitted(session, started)
    assert review(session, did, contracts.DECLARATION_ADVANCED, 3, level=contracts.CITY)
    assert not review(session, did, contracts.DECLARATION_RETURNED, 2, level=contracts.COUNTY, reason="x")
    assert access.load(session, did).state == contracts.PENDING_CITY
