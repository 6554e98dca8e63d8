"""Helpers of the review tests: a worker-like transaction on the real
database, principals, and `declaration_submitted` data."""
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common import contracts as c
from services.common import outbox
from services.common.principal import Principal
from services.common.tables import outbox_events
from tests.support.identifiers import credit_code


class Tx:
    """What a worker sees as `self.db`: a session and the outbox."""

    def __init__(self, engine):
        self.session = Session(engine, expire_on_commit=False)

    def dispatch(self, event_type, data, sequence=None, state=None):
        return outbox.record(self.session, c.REVIEW, event_type, data, sequence=sequence, state=state).id

    def commit(self):
        self.session.commit()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.session.rollback()
        self.session.close()


def county(region="320102", id=None):
    return Principal(kind=c.REVIEWER, id=id or f"county-{region}", region_code=region, level=c.COUNTY)


def city(region="320100", id=None):
    return Principal(kind=c.REVIEWER, id=id or f"city-{region}", region_code=region, level=c.CITY)


def province(id="province-1"):
    return Principal(kind=c.REVIEWER, id=id, region_code="320000", level=c.PROVINCE)


def admin(id="admin-1"):
    return Principal(kind=c.ADMIN, id=id)


def submitted(region="320102", level=c.COUNTY, version=1, resubmission=False, declaration_id=None,
              base_name="玄武创新创业园", batch_id="b2026", **figures):
    declaration_id = declaration_id or str(uuid.uuid4())
    summary = {
        "batch_id": batch_id,
        "batch_name": f"{batch_id}年度江苏省小型微型企业创业创新示范基地认定",
        "base_name": base_name,
        "enterprise_name": base_name + "运营管理有限公司",
        "credit_code": credit_code(region=region),
        "region_code": region,
        "submitted_at": "2026-03-01T10:00:00+08:00",
        "tenant_count": 86, "reference": "SC2026AB12CD34",
        "service_staff": 12,
        **figures,
    }
    return {
        "declaration_id": declaration_id,
        "enterprise_id": "ent-" + declaration_id[:8],
        "region_code": region,
        "level": level,
        "version": version,
        "resubmission": resubmission,
        "summary": summary,
    }


def outbox_rows(engine):
    """(event type, data without from_state) of review's outbox, in order."""
    with engine.connect() as conn:
        return [
            (r.event_type, {k: v for k, v in r.payload["data"].items() if k != "from_state"})
            for r in conn.execute(select(outbox_events).order_by(outbox_events.c.created_at))
        ]


def submitted_envelope(data):
    """`declaration_submitted` as declarations' outbox sends it: its
    sequence (declarations' counter) and the state it waits in."""
    return outbox.envelope(data, event_type=c.DECLARATION_SUBMITTED, cause=Principal(c.ENTERPRISE, data["enterprise_id"]),
                           sequence=2 * int(data["version"]), state=c.PENDING_STATE_OF_LEVEL[data["level"]])


def enterprise_of(data):
    """The enterprise that submitted `data`, as the gateway signs it."""
    return Principal(kind=c.ENTERPRISE, id=data["enterprise_id"], region_code=data["region_code"])


def outbox_envelopes(engine, event_type):
    """The envelopes of one event type in review's outbox, in order."""
    with engine.connect() as conn:
        return [r.payload for r in conn.execute(
            select(outbox_events).where(outbox_events.c.event_type == event_type)
            .order_by(outbox_events.c.created_at))]
