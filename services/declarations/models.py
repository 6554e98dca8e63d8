"""Tables of the declarations service."""
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)

from services.common.db import declarative_base

Base = declarative_base()


class Batch(Base):
    """申报批次: when declarations may be started, submitted and resubmitted,
    and what they are checked against (configuration, never code)."""

    __tablename__ = "batches"

    id = Column(String(36), primary_key=True)
    name = Column(String(200), nullable=False)
    year = Column(Integer, nullable=False)
    kind = Column(String(20), nullable=False)  # 首次申报 / 重新申报
    opens_at = Column(DateTime(timezone=True), nullable=False)
    closes_at = Column(DateTime(timezone=True), nullable=False)
    resubmit_until = Column(DateTime(timezone=True), nullable=False)
    notice = Column(Text, nullable=False, default="")
    thresholds = Column(JSON, nullable=False, default=dict)
    thresholds_block = Column(Boolean, nullable=False, default=False)
    required_attachments = Column(JSON, nullable=False, default=list)
    max_attachment_mb = Column(Integer, nullable=False, default=20)
    demo = Column(Boolean, nullable=False, default=False)
    # 公示 before 认定 (sent to review in declaration_submitted's summary)
    publicity_required = Column(Boolean, nullable=False, default=True)
    review_due_working_days = Column(Integer)  # working days a level may take (超期 after); None: review's default
    created_at = Column(DateTime(timezone=True), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False)


class Declaration(Base):
    __tablename__ = "declarations"
    __table_args__ = (UniqueConstraint("batch_id", "enterprise_id"),)

    id = Column(String(36), primary_key=True)
    batch_id = Column(String(36), ForeignKey("batches.id"), nullable=False, index=True)
    enterprise_id = Column(String(64), nullable=False, index=True)
    state = Column(String(30), nullable=False, index=True)
    region_code = Column(String(6), nullable=False, index=True)
    # Regions the declaration was ever submitted to (county scope of access).
    seen_regions = Column(JSON, nullable=False, default=list)
    reference = Column(String(40), unique=True)
    version = Column(Integer, nullable=False, default=0)  # submitted versions so far
    # declarations' own counter of state changes (what tenants' copy orders by)
    sequence = Column(Integer, nullable=False, default=0)
    # the newest review sequence (review's case revision) applied to `state`
    review_sequence = Column(Integer, nullable=False, default=0)
    level = Column(String(20))  # the level it waits at, while pending
    return_level = Column(String(20))
    return_reason = Column(Text)
    return_sections = Column(JSON, nullable=False, default=list)
    returned_at = Column(DateTime(timezone=True))
    problems = Column(JSON, nullable=False, default=list)  # of the last refused 提交
    accepted_at = Column(DateTime(timezone=True), nullable=False)  # 真实性承诺
    submitted_at = Column(DateTime(timezone=True))
    created_at = Column(DateTime(timezone=True), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False)
    # When its personal data (sections, attachments, versions' contents) was
    # removed, past retention or on the enterprise's request.
    erased_at = Column(DateTime(timezone=True))
    # 公示 (declaration_publicized): its title and period, Beijing days, both included
    publicity_title = Column(String(200))
    publicity_starts_on = Column(Date)
    publicity_ends_on = Column(Date)
    # 认定 (declaration_approved): 认定文号, 证书编号 and validity, both days included
    document_number = Column(String(100))
    certificate_number = Column(String(100))
    valid_from = Column(Date)
    valid_until = Column(Date, index=True)
    # the printed 认定证书 (recognition_print): its QR code's id (SHA-256 only) and the PDF
    certificate_verify_hash = Column(String(64), unique=True)
    certificate_blob_key = Column(String(200))
    certificate_size = Column(Integer)
    certificate_sha256 = Column(String(64))


class SectionData(Base):
    """What the enterprise saved in one section: a dict (申请表) or a list of
    rows, each with an "id" (主要人员, 合作服务机构, 服务台账)."""

    __tablename__ = "sections"

    declaration_id = Column(String(36), ForeignKey("declarations.id"), primary_key=True)
    key = Column(String(30), primary_key=True)
    data = Column(JSON, nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False)


class Attachment(Base):
    __tablename__ = "attachments"

    id = Column(String(36), primary_key=True)
    declaration_id = Column(String(36), ForeignKey("declarations.id"), nullable=False, index=True)
    category = Column(String(40), nullable=False)
    filename = Column(String(200), nullable=False)
    content_type = Column(String(60), nullable=False)
    size = Column(Integer, nullable=False)
    sha256 = Column(String(64), nullable=False)
    blob_key = Column(String(200), nullable=False)
    uploaded_at = Column(DateTime(timezone=True), nullable=False)


class Transition(Base):
    """One state change: time, actor, reason."""

    __tablename__ = "transitions"

    id = Column(Integer, primary_key=True, autoincrement=True)
    declaration_id = Column(String(36), ForeignKey("declarations.id"), nullable=False, index=True)
    from_state = Column(String(30))
    to_state = Column(String(30), nullable=False)
    at = Column(DateTime(timezone=True), nullable=False)
    actor_kind = Column(String(20), nullable=False)
    actor_id = Column(String(64), nullable=False)
    level = Column(String(20))
    reason = Column(Text)
    version = Column(Integer, nullable=False, default=0)
    review_sequence = Column(Integer)  # the review event it records, if any


class Version(Base):
    """A submitted version, kept whole."""

    __tablename__ = "versions"

    declaration_id = Column(String(36), ForeignKey("declarations.id"), primary_key=True)
    version = Column(Integer, primary_key=True)
    submitted_at = Column(DateTime(timezone=True), nullable=False)
    level = Column(String(20), nullable=False)
    snapshot = Column(JSON, nullable=False)


class PrintedVersion(Base):
    """The 申请表 PDF of one submitted version, rendered once and kept in the
    blob store (it never changes). Its QR code opens the verification page
    under a random id; only that id's SHA-256 is kept here."""

    __tablename__ = "printed_versions"

    declaration_id = Column(String(36), ForeignKey("declarations.id"), primary_key=True)
    version = Column(Integer, primary_key=True)
    verify_hash = Column(String(64), nullable=False, unique=True)
    digest = Column(String(64), nullable=False)  # SHA-256 of the version's content (printing.content_digest)
    blob_key = Column(String(200), nullable=False)
    size = Column(Integer, nullable=False)
    sha256 = Column(String(64), nullable=False)  # of the PDF itself
    created_at = Column(DateTime(timezone=True), nullable=False)


class RecognitionReminder(Base):
    """An expiry SMS sent: one per declaration, validity and days before its end."""

    __tablename__ = "recognition_reminders"

    declaration_id = Column(String(36), ForeignKey("declarations.id"), primary_key=True)
    days = Column(Integer, primary_key=True)
    valid_until = Column(Date, nullable=False)
    sent_at = Column(DateTime(timezone=True), nullable=False)
