"""撤回 on the real RabbitMQ and PostgreSQL, with the real review and tenants
services: the enterprise withdraws a declaration nobody has acted on;
declarations applies review's declaration_withdrawn by sequence (editable
again, intake reopened, 已撤回 in the history); 提交 goes back to review as a
resubmission at the level it was withdrawn from; a late or repeated 撤回
event changes nothing."""
import pytest

from services.common import contracts as c
from services.common.errors import BadState, Conflict
from services.declarations import sections as s
from services.review.service import ReviewService
from services.tenants.service import TenantsService
from services.declarations.service import DeclarationsService
from tests.declarations.helpers import enterprise, ledger_row, person, reviewer
from tests.declarations.fixtures import StandInAccounts, batch, proxy  # noqa: F401  (the batch fixture)
from tests.declarations.submitting import intake_open, submitted_declaration, wait_for_state
from tests.support.events import listen_events


@pytest.fixture
def system(runner_factory, config):
    runner = runner_factory(config, DeclarationsService, TenantsService, ReviewService, StandInAccounts)
    runner.start()
    return runner


def case_when_known(config, did, owner):
    """review's can_withdraw, once review has opened the case."""
    import eventlet

    with proxy(c.REVIEW, config, owner) as review:
        for _ in range(300):
            try:
                return review.can_withdraw(did)
            except Exception:  # noqa: BLE001  (not found until declaration_submitted arrives)
                eventlet.sleep(0.05)
    raise AssertionError("review never opened the case")


def test_withdrawn_declaration_is_edited_and_submitted_again(system, config, batch):
    owner = enterprise("ent-withdraw")
    did = submitted_declaration(config, batch, owner)
    can = case_when_known(config, did, owner)
    assert can["can"] is True and can["state"] == c.PENDING_COUNTY
    with proxy(c.DECLARATIONS, config, owner) as decl:
        with pytest.raises(BadState):
            decl.save_row(did, s.PERSONNEL, person(name="孙八"))  # under review: not editable
    with listen_events(config["AMQP_URI"], c.DECLARATIONS, c.DECLARATION_CHANGED) as changed:
        with proxy(c.REVIEW, config, owner) as review:
            review.withdraw(did, can["revision"])
        view = wait_for_state(config, owner, did, lambda v: v["state"] == c.WITHDRAWN)
        [announced] = changed.wait(1, where=lambda e: e["state"] == c.WITHDRAWN)
    assert announced["data"]["declaration_id"] == did
    assert (view["state_label"], view["editable"], view["return_reason"]) == ("已撤回", True, "")
    assert view["history"][-1]["to_label"] == "已撤回" and view["history"][-1]["actor_kind"] == c.ENTERPRISE
    assert view["deadline_label"] == "补正截止"
    assert intake_open(config, owner, did) is True  # tenants follow the editable state

    with proxy(c.DECLARATIONS, config, owner) as decl:
        decl.save_row(did, s.LEDGER, ledger_row(content="撤回后补充的服务记录"))
        with listen_events(config["AMQP_URI"], c.DECLARATIONS, c.DECLARATION_SUBMITTED) as submitted:
            result = decl.submit(did)
            assert result["submitted"], result["problems"]
            [event] = submitted.wait(1)
    assert result["state"] == c.PENDING_COUNTY
    assert (event["data"]["resubmission"], event["data"]["level"], event["data"]["version"]) == (True, c.COUNTY, 2)
    again = wait_for_state(config, owner, did, lambda v: v["history"][-1]["reason"] == "再次提交")
    assert [h["to_label"] for h in again["history"]][-3:] == ["待区县审核", "已撤回", "待区县审核"]
    # review reopened the case at the county: it can be withdrawn again there
    reopened = case_when_known(config, did, owner)
    assert reopened["state"] == c.PENDING_COUNTY and reopened["revision"] > can["revision"] + 1
    with proxy(c.DECLARATIONS, config, reviewer(c.COUNTY, "320102")) as county:
        assert [v["version"] for v in county.versions(did)] == [1, 2]


def test_withdrawal_is_refused_once_a_reviewer_has_acted(system, config, batch):
    owner = enterprise("ent-withdraw-late")
    did = submitted_declaration(config, batch, owner)
    can = case_when_known(config, did, owner)
    with proxy(c.REVIEW, config, reviewer(c.COUNTY, "320102")) as county:
        county.approve(did, can["revision"], "同意")
    wait_for_state(config, owner, did, lambda v: v["state"] == c.PENDING_CITY)
    now = case_when_known(config, did, owner)
    assert now["can"] is True and now["state"] == c.PENDING_CITY  # a new level, nobody acted there yet
    with proxy(c.REVIEW, config, owner) as review:
        with pytest.raises(Conflict) as refused:
            review.withdraw(did, can["revision"])  # the revision the enterprise saw before the 通过
    assert refused.value.message == "申报的审核状态已更新，请刷新页面后查看"
    with proxy(c.DECLARATIONS, config, owner) as decl:
        assert decl.get(did)["state"] == c.PENDING_CITY
