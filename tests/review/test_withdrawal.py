"""撤回 on the real PostgreSQL: the owning enterprise takes back a declaration
while it waits at a level and nobody there has acted; refused once a reviewer
of that level has noted or decided; the event declarations applies."""
import pytest

from services.common import contracts as c
from services.common.errors import Conflict, Forbidden, NotFound
from services.review import decisions, intake, listing, notes, withdrawal
from tests.review.support import (Tx, county, enterprise_of, outbox_envelopes, province, submitted)


@pytest.fixture
def engine(db_engine):
    return db_engine(c.REVIEW)


def receive(engine, data):
    with Tx(engine) as tx:
        intake.receive_submission(tx.session, data, "2026-03-01T02:00:00+00:00")
        tx.commit()


def act(engine, fn, principal, *args):
    with Tx(engine) as tx:
        result = fn(tx, principal, *args)
        tx.commit()
        return result


def read(engine, fn, principal, *args):
    with Tx(engine) as tx:
        return fn(tx.session, principal, *args)


def test_the_enterprise_withdraws_a_declaration_nobody_has_acted_on(engine):
    data = submitted()
    did = data["declaration_id"]
    receive(engine, data)
    owner = enterprise_of(data)
    can = read(engine, withdrawal.can_withdraw, owner, did)
    assert (can["can"], can["reason"], can["state_label"]) == (True, "", "待区县审核")

    act(engine, withdrawal.withdraw, owner, did, can["revision"])

    case = read(engine, listing.get_case, county(), did)
    assert (case["state"], case["state_label"]) == (c.WITHDRAWN, "已撤回")
    last = case["history"][-1]
    assert (last["action_label"], last["actor_kind"], last["actor_id"]) == ("撤回", c.ENTERPRISE, data["enterprise_id"])
    assert read(engine, listing.list_cases, county(), {"tab": "todo"})["total"] == 0
    [sent] = outbox_envelopes(engine, c.DECLARATION_WITHDRAWN)
    assert sent["data"] == {"declaration_id": did, "enterprise_id": data["enterprise_id"], "level": c.COUNTY,
                            "version": 1, "from_state": c.PENDING_COUNTY}
    assert (sent["sequence"], sent["state"]) == (can["revision"] + 1, c.WITHDRAWN)
    again = read(engine, withdrawal.can_withdraw, owner, did)
    assert (again["can"], again["reason"]) == (False, "该申报当前为“已撤回”，不能撤回")

    # Submitted again (the same version, unchanged): the case reopens where declarations says.
    receive(engine, dict(data, resubmission=True))
    case = read(engine, listing.get_case, county(), did)
    assert (case["state"], case["returned_version"]) == (c.PENDING_COUNTY, 1)
    assert read(engine, withdrawal.can_withdraw, owner, did)["can"] is True


def test_only_the_owning_enterprise_may_withdraw(engine):
    data = submitted()
    did = data["declaration_id"]
    receive(engine, data)
    stranger = enterprise_of(dict(data, enterprise_id="ent-other"))
    with pytest.raises(NotFound):
        read(engine, withdrawal.can_withdraw, stranger, did)
    with pytest.raises(NotFound):
        act(engine, withdrawal.withdraw, stranger, did, 1)
    with pytest.raises(Forbidden):
        act(engine, withdrawal.withdraw, county(), did, 1)
    assert outbox_envelopes(engine, c.DECLARATION_WITHDRAWN) == []


def test_withdrawal_is_refused_once_a_reviewer_of_the_level_has_noted(engine):
    data = submitted(level=c.PROVINCE)
    did = data["declaration_id"]
    receive(engine, data)
    owner = enterprise_of(data)
    revision = read(engine, withdrawal.can_withdraw, owner, did)["revision"]
    act(engine, notes.add_note, province(), did, "formal", "2026-03-02", "材料完整")

    can = read(engine, withdrawal.can_withdraw, owner, did)
    assert (can["can"], can["reason"]) == (False, "审核人员已开始审核该申报，不能撤回")
    with pytest.raises(Conflict) as err:
        act(engine, withdrawal.withdraw, owner, did, revision)
    assert err.value.message == "审核人员已开始审核该申报，不能撤回"
    assert read(engine, listing.get_case, province(), did)["state"] == c.PENDING_PROVINCE


def test_a_decision_moves_the_case_and_the_next_level_starts_afresh(engine):
    data = submitted()
    did = data["declaration_id"]
    receive(engine, data)
    owner = enterprise_of(data)
    seen = read(engine, withdrawal.can_withdraw, owner, did)["revision"]
    act(engine, decisions.approve, county(), did, seen)

    with pytest.raises(Conflict) as err:  # the page the enterprise saw is stale
        act(engine, withdrawal.withdraw, owner, did, seen)
    assert "刷新" in err.value.message
    now = read(engine, withdrawal.can_withdraw, owner, did)
    assert (now["can"], now["state"]) == (True, c.PENDING_CITY)
    act(engine, withdrawal.withdraw, owner, did, now["revision"])
    [sent] = outbox_envelopes(engine, c.DECLARATION_WITHDRAWN)
    assert sent["data"]["level"] == c.CITY
