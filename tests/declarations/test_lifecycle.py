"""The state machine: every allowed transition, and every other one refused."""
import itertools

import pytest

from services.common import contracts as c
from services.common.errors import BadState
from services.declarations import lifecycle

ALLOWED = {
    (c.DRAFT, c.PENDING_COUNTY),
    (c.RETURNED, c.PENDING_COUNTY), (c.RETURNED, c.PENDING_CITY), (c.RETURNED, c.PENDING_PROVINCE),
    (c.WITHDRAWN, c.PENDING_COUNTY), (c.WITHDRAWN, c.PENDING_CITY), (c.WITHDRAWN, c.PENDING_PROVINCE),
    (c.PENDING_COUNTY, c.PENDING_CITY), (c.PENDING_COUNTY, c.RETURNED), (c.PENDING_COUNTY, c.REJECTED),
    (c.PENDING_CITY, c.PENDING_PROVINCE), (c.PENDING_CITY, c.RETURNED), (c.PENDING_CITY, c.REJECTED),
    (c.PENDING_PROVINCE, c.APPROVED), (c.PENDING_PROVINCE, c.RETURNED), (c.PENDING_PROVINCE, c.REJECTED),
    # 公示 before 认定
    (c.PENDING_PROVINCE, c.PENDING_PUBLICITY),
    (c.PENDING_PUBLICITY, c.IN_PUBLICITY), (c.PENDING_PUBLICITY, c.RETURNED), (c.PENDING_PUBLICITY, c.REJECTED),
    (c.IN_PUBLICITY, c.APPROVED), (c.IN_PUBLICITY, c.RETURNED), (c.IN_PUBLICITY, c.REJECTED),
}
ALL = list(itertools.product(c.STATE_LABELS, c.STATE_LABELS))


class FakeSession:
    def __init__(self):
        self.added = []

    def add(self, row):
        self.added.append(row)


class Decl:
    def __init__(self, state):
        self.id = "d1"
        self.state = state
        self.version = 1
        self.level = None
        self.updated_at = None


ACTOR = type("Actor", (), {"kind": c.SYSTEM, "id": "review"})()


@pytest.mark.parametrize("from_state,to_state", sorted(ALLOWED))
def test_allowed_transition_is_made_and_recorded(from_state, to_state):
    session, d = FakeSession(), Decl(from_state)
    lifecycle.move(session, d, to_state, ACTOR, at="now", reason="r", level="county")
    assert d.state == to_state
    [t] = session.added
    assert (t.from_state, t.to_state, t.reason, t.actor_id) == (from_state, to_state, "r", "review")
    assert d.level == lifecycle.LEVEL_OF_PENDING.get(to_state)


@pytest.mark.parametrize("from_state,to_state", sorted(set(ALL) - ALLOWED))
def test_other_transitions_are_refused_with_a_clear_message(from_state, to_state):
    session, d = FakeSession(), Decl(from_state)
    with pytest.raises(BadState) as err:
        lifecycle.move(session, d, to_state, ACTOR, at="now")
    assert c.STATE_LABELS[from_state] in err.value.message
    assert d.state == from_state and session.added == []


@pytest.mark.parametrize("state", list(c.STATE_LABELS))
def test_only_draft_returned_and_withdrawn_are_editable(state):
    d = Decl(state)
    if state in (c.DRAFT, c.RETURNED, c.WITHDRAWN):
        lifecycle.require_editable(d)
    else:
        with pytest.raises(BadState) as err:
            lifecycle.require_editable(d)
        assert "不能修改" in err.value.message


def test_resubmission_goes_to_the_returning_level_or_county_after_an_admin():
    d = Decl(c.RETURNED)
    for level in c.LEVELS:
        d.return_level = level
        assert lifecycle.resubmission_level(d) == level
    d.return_level = c.ADMIN_RETURN_LEVEL
    assert lifecycle.resubmission_level(d) == c.COUNTY
    d = Decl(c.DRAFT)
    d.return_level = None
    assert lifecycle.resubmission_level(d) == c.COUNTY


def test_after_a_withdrawal_the_resubmission_goes_to_the_level_it_was_withdrawn_from():
    d = Decl(c.WITHDRAWN)
    for level in c.LEVELS:
        d.return_level = level
        assert lifecycle.resubmission_level(d, "320102", "320102") == level
        assert lifecycle.resubmission_level(d, "320583", "320102") == c.COUNTY  # another region's county first
