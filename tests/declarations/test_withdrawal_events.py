"""declaration_withdrawn applied by review's sequence (real PostgreSQL): a
newer one gives the declaration back to the enterprise; a repeated or
overtaken one changes nothing but its row in the history."""
from services.common import contracts
from services.common.outbox import envelope
from services.declarations import review_events, views
from tests.declarations.on_database import Outbox, review, submitted
from tests.declarations.on_database import batch, session, started  # noqa: F401 (fixtures)


def withdrawn(session, did, sequence, out, level=contracts.COUNTY):
    body = envelope({"declaration_id": did, "enterprise_id": "ent-1", "version": 1, "level": level,
                     "from_state": contracts.PENDING_STATE_OF_LEVEL[level]},
                    event_type=contracts.DECLARATION_WITHDRAWN, cause={"kind": contracts.ENTERPRISE, "id": "ent-1"},
                    sequence=sequence, state=contracts.WITHDRAWN)
    return review_events.on_review_event(session, contracts.DECLARATION_WITHDRAWN, body, out)


def test_withdrawn_once_and_announced_to_tenants_without_an_sms(session, started):
    ent, did = started
    submitted(session, started)
    out = Outbox()
    assert withdrawn(session, did, 2, out) is True
    assert withdrawn(session, did, 2, out) is False  # the same event again
    view = views.get(session, ent, did)
    assert (view["state"], view["editable"], view["return_level"]) == (contracts.WITHDRAWN, True, contracts.COUNTY)
    assert [h["to_state"] for h in view["history"]].count(contracts.WITHDRAWN) == 1
    assert view["history"][-1]["actor_kind"] == contracts.ENTERPRISE and view["history"][-1]["reason"] == "企业撤回申报"
    assert len(out.of(contracts.DECLARATION_CHANGED)) == 1 and out.of(contracts.SMS_REQUESTED) == []


def test_a_withdrawal_overtaken_by_a_later_move_only_adds_its_history_row(session, started):
    """The city's return (sequence 4) was applied first; the 撤回 at the
    county (sequence 2) arrives late: the declaration stays 已退回."""
    ent, did = started
    submitted(session, started)
    assert review(session, did, contracts.DECLARATION_RETURNED, 4, level=contracts.CITY, reason="补充材料")
    assert withdrawn(session, did, 2, Outbox()) is False
    view = views.get(session, ent, did)
    assert view["state"] == contracts.RETURNED and view["return_reason"] == "补充材料"
    assert contracts.WITHDRAWN in [h["to_state"] for h in view["history"]]
