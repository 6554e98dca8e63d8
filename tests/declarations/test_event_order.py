"""Review events in any order: random permutations, duplicates and delays of
a case's event stream always leave the declaration in the state review holds,
with every move in its history (on the real PostgreSQL)."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from services.common import contracts as c
from services.common.outbox import envelope
from services.declarations import batches, editing, review_events, submission, views
from tests.declarations.helpers import ADMIN, batch_form, enterprise
from tests.declarations.helpers import TOTALS
from tests.declarations.on_database import Outbox, fill

# Review's moves from a waiting level: (event, resulting state, acting level).
ADVANCE = {c.COUNTY: c.CITY, c.CITY: c.PROVINCE}


@st.composite
def review_streams(draw):
    """A case's events as review would publish them for one submitted
    version: advances, then a final decision (or none yet), each with the
    case's revision as its sequence."""
    events, level, sequence = [], c.COUNTY, 1
    start = dt.datetime.now(dt.timezone.utc)
    while True:
        options = ["stop", "reject", "return"] + (["advance"] if level in ADVANCE else ["approve"])
        choice = draw(st.sampled_from(options))
        if choice == "stop":
            break
        sequence += 1
        at = start + dt.timedelta(hours=sequence)
        from_state = c.PENDING_STATE_OF_LEVEL[level]
        if choice == "advance":
            level = ADVANCE[level]
            events.append((c.DECLARATION_ADVANCED, sequence, c.PENDING_STATE_OF_LEVEL[level], at,
                           {"level": level, "from_state": from_state}))
            continue
        kind, state = {
            "approve": (c.DECLARATION_APPROVED, c.APPROVED),
            "reject": (c.DECLARATION_REJECTED, c.REJECTED),
            "return": (c.DECLARATION_RETURNED, c.RETURNED),
        }[choice]
        events.append((kind, sequence, state, at,
                       {"level": level, "reason": "原因", "sections": [], "from_state": from_state}))
        break
    return events


@st.composite
def deliveries(draw):
    """The stream, each event delivered one or more times, in any order (a
    delay is an event that comes after later ones)."""
    events = draw(review_streams())
    copies = [e for e in events for _ in range(draw(st.integers(1, 3)))]
    return events, draw(st.permutations(copies))


@pytest.fixture(scope="module")
def engine(pg_database):
    from services.common.db import make_engine

    from tests.conftest import truncate_all

    engine = make_engine(c.DECLARATIONS, {c.ENV_DATABASE_URL: pg_database})
    yield engine
    engine.dispose()
    truncate_all(pg_database)  # the next tests start from empty tables


@pytest.fixture(scope="module")
def batch_id(engine):
    with Session(engine, expire_on_commit=False) as session:
        b = batches.save_batch(session, ADMIN, batch_form(name="乱序测试批次"))
        session.commit()
    return b["id"]


COUNTER = iter(range(10**6))


class Recorder(Outbox):
    def __init__(self):
        super().__init__()
        self.sequenced = []

    def __call__(self, event_type, data, sequence=None, state=None):
        super().__call__(event_type, data)
        self.sequenced.append((event_type, sequence, state))


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=deliveries())
def test_any_order_of_review_events_ends_in_the_state_review_holds(engine, batch_id, case):
    events, delivered = case
    with Session(engine, expire_on_commit=False) as session:
        ent = enterprise(f"ent-order-{next(COUNTER)}")
        did = editing.start(session, ent, batch_id, accepted=True)["id"]
        fill(session, ent, did)
        assert submission.submit(session, ent, did, TOTALS, Outbox())["submitted"]
        session.commit()
        out = Recorder()
        ids = {}
        for event_type, sequence, state, at, data in delivered:
            # a redelivery keeps its event id; the handler kit skips it, but
            # the same event re-sent by a replay has a new one: both happen
            body = envelope(
                {"declaration_id": did, "enterprise_id": ent.id, "version": 1, **data},
                event_type=event_type, occurred_at=at, cause={"kind": c.REVIEWER, "id": "r"},
                sequence=sequence, state=state, event_id=ids.get(sequence),
            )
            ids[sequence] = body["event_id"]
            review_events.on_review_event(session, event_type, body, out)
            session.commit()

        view = views.get(session, ent, did)
        expected = events[-1][2] if events else c.PENDING_COUNTY
        assert view["state"] == expected
        moves = [(h["from_state"], h["to_state"]) for h in view["history"]][2:]  # after start and 提交
        assert moves == [(e[4]["from_state"], e[2]) for e in events]
        # one SMS per decision that asks for one, never two
        final = {c.APPROVED: c.SMS_DECLARATION_APPROVED, c.REJECTED: c.SMS_DECLARATION_REJECTED,
                 c.RETURNED: c.SMS_DECLARATION_RETURNED}
        sms = [m["template"] for m in out.of(c.SMS_REQUESTED)]
        assert sms == ([final[expected]] if expected in final else [])
        # tenants are told each change, in rising sequence, the last one being review's state
        told = [(seq, state) for t, seq, state in out.sequenced if t == c.DECLARATION_CHANGED]
        assert [seq for seq, _ in told] == sorted({seq for seq, _ in told})
        if events:
            assert told[-1][1] == expected


def test_announce_all_gives_tenants_a_copy_of_every_declaration(engine, batch_id, pg_database):
    """For declarations started before tenants kept a copy: one command
    records a newer declaration_changed of each in the outbox."""
    from sqlalchemy import select

    from services.common.tables import outbox_events
    from services.declarations import manage

    with Session(engine, expire_on_commit=False) as session:
        ent = enterprise(f"ent-announce-{next(COUNTER)}")
        did = editing.start(session, ent, batch_id, accepted=True)["id"]  # no dispatch: an older start
        session.commit()
    count = manage.announce_all({c.ENV_DATABASE_URL: pg_database})
    assert count >= 1
    with engine.connect() as conn:
        rows = [r.payload for r in conn.execute(select(outbox_events).where(
            outbox_events.c.event_type == c.DECLARATION_CHANGED))]
    [mine] = [p for p in rows if p["data"]["declaration_id"] == did]
    assert mine["state"] == c.DRAFT and mine["sequence"] == 1 and mine["data"]["enterprise_id"] == ent.id
