"""Tables of the accounts service."""
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text

from services.common.db import declarative_base

Base = declarative_base()


class Account(Base):
    """Anyone who logs in: an enterprise (portal) or staff (console)."""

    __tablename__ = "accounts"

    id = Column(String(36), primary_key=True)
    kind = Column(String(20), nullable=False)  # contracts: enterprise, reviewer, admin
    username = Column(String(40), nullable=False, unique=True)
    password_hash = Column(String(200), nullable=False)
    display_name = Column(String(100), nullable=False)  # enterprise name or staff name
    region_code = Column(String(6))
    level = Column(String(20))  # reviewers only: county, city, province
    disabled = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    password_changed_at = Column(DateTime(timezone=True))


class Enterprise(Base):
    """The registration data of an enterprise account (same id)."""

    __tablename__ = "enterprises"

    id = Column(String(36), ForeignKey("accounts.id"), primary_key=True)
    name = Column(String(100), nullable=False)
    credit_code = Column(String(18), nullable=False, unique=True)
    region_code = Column(String(6), nullable=False)
    contact_name = Column(String(50), nullable=False)
    contact_phone = Column(String(11), nullable=False)
    licence_key = Column(String(200), nullable=False)
    licence_type = Column(String(40), nullable=False)
    licence_sha256 = Column(String(64), nullable=False)
    consent_at = Column(DateTime(timezone=True), nullable=False)


class LoginSession(Base):
    """A login: only the hash of the opaque token is kept."""

    __tablename__ = "sessions"

    token_hash = Column(String(64), primary_key=True)
    account_id = Column(String(36), ForeignKey("accounts.id"), nullable=False, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False)
    last_seen_at = Column(DateTime(timezone=True), nullable=False)
    ended_at = Column(DateTime(timezone=True))


class LoginFailure(Base):
    __tablename__ = "login_failures"

    id = Column(Integer, primary_key=True, autoincrement=True)
    username = Column(String(40), nullable=False)
    ip = Column(String(64))
    at = Column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_ip_at", "ip", "at"),
    )


class SmsCode(Base):
    """A verification code sent to a phone for one purpose (hashed)."""

    __tablename__ = "sms_codes"

    id = Column(String(36), primary_key=True)
    phone = Column(String(11), nullable=False)
    purpose = Column(String(30), nullable=False)
    code_hash = Column(String(64), nullable=False)
    ip = Column(String(64))
    created_at = Column(DateTime(timezone=True), nullable=False)
    expires_at = Column(DateTime(timezone=True), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    used_at = Column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_sms_codes_phone_created_at", "phone", "created_at"),
        Index("ix_sms_codes_ip_created_at", "ip", "created_at"),
    )


class Appeal(Base):
    """申诉: the contact phone is lost; an admin settles it in the console."""

    __tablename__ = "appeals"

    id = Column(String(36), primary_key=True)
    credit_code = Column(String(18), nullable=False)
    enterprise_id = Column(String(36), ForeignKey("accounts.id"))
    contact_name = Column(String(50), nullable=False)
    new_phone = Column(String(11), nullable=False)
    licence_key = Column(String(200), nullable=False)
    note = Column(Text)
    status = Column(String(20), nullable=False)  # pending, accepted, refused
    created_at = Column(DateTime(timezone=True), nullable=False)
    settled_at = Column(DateTime(timezone=True))
    settled_by = Column(String(36))
    settle_note = Column(Text)


class ApiToken(Base):
    """A per-enterprise token for the JSON API (/api/v1): only its hash is
    kept; it works until revoked, within a per-minute allowance."""

    __tablename__ = "api_tokens"

    id = Column(String(36), primary_key=True)
    account_id = Column(String(36), ForeignKey("accounts.id"), nullable=False, index=True)
    name = Column(String(40), nullable=False)
    token_hash = Column(String(64), nullable=False, unique=True)
    prefix = Column(String(12), nullable=False)  # shown in 用户中心 to tell tokens apart
    created_at = Column(DateTime(timezone=True), nullable=False)
    last_used_at = Column(DateTime(timezone=True))
    revoked_at = Column(DateTime(timezone=True))
    window_start = Column(DateTime(timezone=True))  # the current minute of the allowance
    window_count = Column(Integer, nullable=False, default=0)
