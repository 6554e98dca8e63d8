"""Tables of the review service: one case per declaration (with the read
model of the declaration's summary), the audit trail of every action, and the
province level's notes on its offline steps."""
from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Integer, String, Text

from services.common.db import declarative_base

Base = declarative_base()


class ReviewCase(Base):
    """A declaration under review, as the review service knows it.

    The summary columns are copied from `declaration_submitted` (never read
    from the declarations service per row); `state` follows the declaration
    lifecycle's names. `revision` grows with every change and is what an
    action's optimistic check compares.
    """

    __tablename__ = "review_cases"

    declaration_id = Column(String(64), primary_key=True)
    enterprise_id = Column(String(64), nullable=False)
    batch_id = Column(String(64), index=True)
    batch_name = Column(String(200))
    base_name = Column(String(200), index=True)
    enterprise_name = Column(String(200))
    credit_code = Column(String(18), index=True)
    region_code = Column(String(6), nullable=False, index=True)
    city_code = Column(String(6), index=True)
    state = Column(String(20), nullable=False, index=True)
    level = Column(String(10))  # the pending level, None once decided or returned
    version = Column(Integer, nullable=False)
    revision = Column(Integer, nullable=False, default=1)
    resubmission = Column(Boolean, nullable=False, default=False)
    returned_version = Column(Integer)  # the version last returned (for the diff)
    submitted_at = Column(DateTime(timezone=True), index=True)
    first_submitted_at = Column(DateTime(timezone=True))
    summary = Column(JSON, nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False)


class ReviewAction(Base):
    """The audit trail: who did what, at which level, when and why."""

    __tablename__ = "review_actions"

    id = Column(Integer, primary_key=True, autoincrement=True)
    declaration_id = Column(String(64), nullable=False, index=True)
    version = Column(Integer, nullable=False)
    action = Column(String(20), nullable=False)  # see services.review.cases.ACTION_LABELS
    level = Column(String(10))  # the acting level, "admin", or None for the enterprise
    actor_kind = Column(String(20), nullable=False)
    actor_id = Column(String(64), nullable=False, index=True)
    actor_region = Column(String(6))
    from_state = Column(String(20))
    to_state = Column(String(20), nullable=False)
    reason = Column(Text)
    sections = Column(JSON)
    created_at = Column(DateTime(timezone=True), nullable=False)


class ReviewNote(Base):
    """A dated note on one offline step of the province level (形式审查 …)."""

    __tablename__ = "review_notes"

    id = Column(Integer, primary_key=True, autoincrement=True)
    declaration_id = Column(String(64), nullable=False, index=True)
    version = Column(Integer, nullable=False)
    step = Column(String(20), nullable=False)
    noted_on = Column(Date, nullable=False)
    text = Column(Text, nullable=False)
    actor_kind = Column(String(20), nullable=False)
    actor_id = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
