"""The declarations' modules on the real PostgreSQL (no broker): a session,
a batch, a started declaration, and review events applied as the handler
applies them."""
import datetime as dt

import pytest
from sqlalchemy.orm import Session

from services.common import contracts
from services.common.clock import utcnow
from services.common.outbox import envelope
from services.declarations import batches, editing, review_events, sections, submission
from tests.declarations.helpers import (
    ADMIN, TOTALS, application, batch_form, enterprise, ledger_row, partner, person,
)

@pytest.fixture
def session(db_engine):
    engine = db_engine(contracts.DECLARATIONS)
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.rollback()


class Outbox(list):
    def __call__(self, event_type, data, sequence=None, state=None):
        self.append((event_type, data))

    def of(self, event_type):
        return [d for t, d in self if t == event_type]


@pytest.fixture
def batch(session):
    b = batches.save_batch(session, ADMIN, batch_form())
    session.commit()
    return b


def fill(session, principal, declaration_id, **app):
    editing.save_application(session, principal, declaration_id, application(**app))
    editing.save_row(session, principal, declaration_id, sections.PERSONNEL, person())
    editing.save_row(session, principal, declaration_id, sections.PERSONNEL, person(name="钱七", category="创业辅导师"))
    editing.save_row(session, principal, declaration_id, sections.PARTNERS, partner())
    editing.save_row(session, principal, declaration_id, sections.LEDGER, ledger_row())


@pytest.fixture
def started(session, batch):
    ent = enterprise()
    d = editing.start(session, ent, batch["id"], {"enterprise_name": "南京玄武创业服务有限公司"}, accepted=True)
    session.commit()
    return ent, d["id"]


def submitted(session, started):
    ent, did = started
    fill(session, ent, did)
    outbox = Outbox()
    result = submission.submit(session, ent, did, TOTALS, outbox)
    session.commit()
    assert result["submitted"], result["problems"]
    return outbox


# --- review events ------------------------------------------------------------


REVIEWER_CAUSE = {"kind": contracts.REVIEWER, "id": "rev-9"}
STATE_OF = {contracts.DECLARATION_APPROVED: contracts.APPROVED, contracts.DECLARATION_REJECTED: contracts.REJECTED,
            contracts.DECLARATION_RETURNED: contracts.RETURNED}


def review(session, did, event_type, sequence, out=None, version=1, minutes=None, **data):
    """Apply a review event as the handler does: the envelope with review's
    sequence (the case's revision) and the state after the move."""
    state = contracts.PENDING_STATE_OF_LEVEL[data["level"]] if event_type == contracts.DECLARATION_ADVANCED else STATE_OF[event_type]
    body = envelope({"declaration_id": did, "version": version, "enterprise_id": "ent-1", **data},
                    event_type=event_type, cause=REVIEWER_CAUSE, sequence=sequence, state=state,
                    occurred_at=None if minutes is None else utcnow() + dt.timedelta(minutes=minutes))
    return review_events.on_review_event(session, event_type, body, out if out is not None else Outbox())

