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
    # Set when a reviewer notes something at the level where the case waits;
    # None on arrival at a level. 撤回 is possible only while it is None.
    acted_at = Column(DateTime(timezone=True))
    publicity_required = Column(Boolean, nullable=False, default=True)  # the batch's 公示 setting
    publicity_id = Column(Integer, index=True)  # the 公示 it is or was under
    # 认定: the batch's 认定文件 文号, the base's 证书编号 and the validity.
    document_number = Column(String(100))
    certificate_number = Column(String(40), unique=True, index=True)
    valid_from = Column(Date)
    valid_until = Column(Date)


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


class PublicityNotice(Base):
    """A 公示: the province puts cases under public notice for a period
    (Beijing calendar days, both included); objections are notes."""

    __tablename__ = "review_publicity"

    id = Column(Integer, primary_key=True, autoincrement=True)
    title = Column(String(200), nullable=False)
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=False, index=True)
    actor_kind = Column(String(20), nullable=False)
    actor_id = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)


class CertificateCounter(Base):
    """The last 证书编号 given in a year; allocated under the row's lock in
    the 认定's transaction, so a number is never given twice nor skipped."""

    __tablename__ = "review_certificate_counters"

    year = Column(Integer, primary_key=True, autoincrement=False)
    last = Column(Integer, nullable=False)
