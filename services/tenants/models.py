"""Tables of the tenants service: intake links, tenant entries and the drafts
of tenants still filling the form."""
from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, String, Text, UniqueConstraint

from services.common.db import declarative_base

Base = declarative_base()

# Entry states
SUBMITTED = "submitted"
REOPENED = "reopened"  # the enterprise reopened it; the tenant corrects it via the link
EXCLUDED = "excluded"  # the enterprise left it out of the declaration, with a reason
ENTRY_STATES = {SUBMITTED: "已提交", REOPENED: "待修改", EXCLUDED: "已排除"}


class IntakeLink(Base):
    """The QR link of one declaration. A token is valid while its nonce is the
    current one (revoking clears it; a new link gets a new nonce and serial)
    and before `expires_at` (the batch's closing)."""

    __tablename__ = "intake_links"

    declaration_id = Column(String(64), primary_key=True)
    enterprise_id = Column(String(64), nullable=False)  # the owner, from declarations' events
    base_name = Column(String(200), nullable=False, default="")
    expires_at = Column(DateTime(timezone=True))
    serial = Column(Integer, nullable=False, default=0)  # link version, 1 for the first link
    nonce = Column(String(32))  # None: no active link
    revoked_at = Column(DateTime(timezone=True))
    # closed while the declaration is not editable (from declarations' events)
    intake_closed = Column(Boolean, nullable=False, default=False)
    closed_at = Column(DateTime(timezone=True))
    # tenants' copy of the declaration, applied by declarations' sequence
    # (None: a row of a declaration started before the copy existed)
    state = Column(String(30))
    region_code = Column(String(6))
    version = Column(Integer, nullable=False, default=0)
    sequence = Column(Integer, nullable=False, default=0)
    # closed for a 提交 in progress until then (released when it fails)
    held_until = Column(DateTime(timezone=True))
    created_at = Column(DateTime(timezone=True), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False)


class TenantEntry(Base):
    """One tenant company of one declaration (one per credit code)."""

    __tablename__ = "tenant_entries"
    __table_args__ = (UniqueConstraint("declaration_id", "credit_code"),)

    id = Column(String(36), primary_key=True)
    declaration_id = Column(String(64), nullable=False, index=True)
    credit_code = Column(String(18), nullable=False)
    company_name = Column(String(200), nullable=False)
    size = Column(String(10), nullable=False)
    state = Column(String(20), nullable=False)
    data = Column(JSON, nullable=False)  # {step: {field: value}}
    reference = Column(String(20), nullable=False)
    device_id = Column(String(64))
    submissions = Column(Integer, nullable=False, default=1)
    first_submitted_at = Column(DateTime(timezone=True), nullable=False)
    submitted_at = Column(DateTime(timezone=True), nullable=False)
    reopened_at = Column(DateTime(timezone=True))
    excluded_at = Column(DateTime(timezone=True))
    excluded_reason = Column(Text)
    updated_at = Column(DateTime(timezone=True), nullable=False)
    # The personal-data notice shown with 确认提交 (services.common.personal_data).
    notice_version = Column(String(20))
    notice_shown_at = Column(DateTime(timezone=True))


class IntakeDraft(Base):
    """What a tenant typed so far, per device, saved at each step."""

    __tablename__ = "intake_drafts"

    declaration_id = Column(String(64), primary_key=True)
    device_id = Column(String(64), primary_key=True)
    data = Column(JSON, nullable=False)  # {step: {field: value}}
    entry_id = Column(String(36))  # set when correcting a reopened entry
    updated_at = Column(DateTime(timezone=True), nullable=False)


class IntakeRateCounter(Base):
    """Requests of one key ("write:device:<id>", "view:ip:<address>", ...)
    in the one-minute window beginning at `window_start` (services.tenants.limits)."""

    __tablename__ = "intake_rate_counters"

    key = Column(String(100), primary_key=True)
    window_start = Column(DateTime(timezone=True), primary_key=True, index=True)
    count = Column(Integer, nullable=False, default=0)


class SubmittedRoll(Base):
    """入驻企业名单 as it was when a version of the declaration was submitted
    (intake is closed then): every entry with its answers, and the totals.
    Taken when tenants learns of the submission; never changed after."""

    __tablename__ = "submitted_rolls"

    declaration_id = Column(String(64), primary_key=True)
    version = Column(Integer, primary_key=True)
    enterprise_id = Column(String(64), nullable=False)  # the owner, from the event
    region_code = Column(String(6), nullable=False)  # where that version was submitted (reviewers' scope)
    entries = Column(JSON, nullable=False)
    totals = Column(JSON, nullable=False)
    taken_at = Column(DateTime(timezone=True), nullable=False)
class IntakeShortLink(Base):
    """A short, opaque id (128 random bits) that stands for one version of a
    declaration's QR link, so the printed QR code stays small. It opens the
    link only while the link's nonce is still the one it was made for
    (revoking or renewing the link ends it) and until the link expires."""

    __tablename__ = "intake_short_links"

    id = Column(String(32), primary_key=True)
    declaration_id = Column(String(64), nullable=False, index=True)
    nonce = Column(String(32), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
