"""Tables of the notify service."""
from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, String, Text

from services.common.db import declarative_base

Base = declarative_base()

# States of a message (services.notify.sending).
QUEUED = "queued"  # waiting for its (next) send
SENDING = "sending"  # claimed by a sender, the request may be on its way
SENT = "sent"  # the provider accepted it
FAILED = "failed"  # given up: a permanent refusal, or the last retry failed
UNKNOWN = "unknown"  # a send timed out; retried with the same message id
REFUSED = "refused"  # over a per-phone limit, or not a valid request: never sent
STATES = (QUEUED, SENDING, SENT, FAILED, UNKNOWN, REFUSED)

STATE_LABELS = {
    QUEUED: "待发送",
    SENDING: "发送中",
    SENT: "已发送",
    FAILED: "发送失败",
    UNKNOWN: "结果未知",
    REFUSED: "已拒绝",
}


class Message(Base):
    """One SMS asked for by an `sms_requested` event. The dedupe key of the
    request is unique: a redelivered request finds its message and adds
    nothing; it is also the message id the provider sees, so a repeated send
    is dropped there."""

    __tablename__ = "messages"

    id = Column(String(36), primary_key=True)
    dedupe_key = Column(String(200), nullable=False, unique=True)
    source = Column(String(40), nullable=False)  # the service that asked
    event_id = Column(String(64))
    phone = Column(String(20), nullable=False, index=True)
    template = Column(String(60), nullable=False)
    template_code = Column(String(60))
    params = Column(JSON, nullable=False)
    text = Column(Text)
    state = Column(String(16), nullable=False, index=True)
    attempts = Column(Integer, nullable=False, default=0)
    maybe_sent = Column(Boolean, nullable=False, default=False)  # a send's outcome was unknown
    next_attempt_at = Column(DateTime(timezone=True), index=True)
    last_error = Column(Text)
    provider = Column(String(20))
    provider_reference = Column(String(200))  # the provider's own id, if it gives one
    created_at = Column(DateTime(timezone=True), nullable=False, index=True)
    updated_at = Column(DateTime(timezone=True), nullable=False)
    sending_since = Column(DateTime(timezone=True))
    sent_at = Column(DateTime(timezone=True))


class PhoneLock(Base):
    """One row per phone, locked while a request to it is counted against the
    limits, so that concurrent requests are counted one after the other."""

    __tablename__ = "phone_locks"

    phone = Column(String(20), primary_key=True)


class DevOutboxEntry(Base):
    """What the console provider 'sent' (development only): the dev page
    shows it. Unique on the message id, as a real gateway drops repeats."""

    __tablename__ = "dev_outbox"

    message_id = Column(String(200), primary_key=True)
    phone = Column(String(20), nullable=False, index=True)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, index=True)
