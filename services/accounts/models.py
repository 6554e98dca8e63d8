"""Tables of the accounts service."""
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint

from services.common.db import declarative_base

Base = declarative_base()


class Account(Base):
    """Anyone who logs in: an enterprise (portal) or staff (console)."""

    __tablename__ = "accounts"

    id = Column(String(36), primary_key=True)
    kind = Column(String(20), nullable=False)  # contracts: enterprise, reviewer, admin
    # Enterprise and staff usernames are separate namespaces ("enterprise",
    # "staff"): 注册 never tells whether a staff username exists.
    namespace = Column(String(20), nullable=False, default="enterprise", server_default="enterprise")
    username = Column(String(40), nullable=False)

    __table_args__ = (UniqueConstraint("namespace", "username"),)
    password_hash = Column(String(200), nullable=False)
    display_name = Column(String(100), nullable=False)  # enterprise name or staff name
    region_code = Column(String(6))
    level = Column(String(20))  # reviewers only: county, city, province
    disabled = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    password_changed_at = Column(DateTime(timezone=True))
    # Staff's second factor (services.accounts.second_factor): TOTP secrets
    # encrypted at rest; the last time step used (a code counts once).
    totp_secret = Column(Text)
    totp_pending_secret = Column(Text)
    totp_enrolled_at = Column(DateTime(timezone=True))
    totp_last_step = Column(Integer)
    # Staff: a phone for the daily digest of their office, once a code sent
    # to it was typed back (services.accounts.staff_phones).
    phone = Column(String(11))
    phone_verified_at = Column(DateTime(timezone=True))


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
    namespace = Column(String(20), nullable=False, default="enterprise", server_default="enterprise")
    username = Column(String(40), nullable=False)
    ip = Column(String(64))
    at = Column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        Index("ix_login_failures_namespace_username_at", "namespace", "username", "at"),
        Index("ix_login_failures_ip_at", "ip", "at"),
    )


class LoginAddress(Base):
    """An address the account logged in from successfully, and when last:
    failures from elsewhere never throttle a login from here (login.py)."""

    __tablename__ = "login_addresses"

    account_id = Column(String(36), ForeignKey("accounts.id"), primary_key=True)
    ip = Column(String(64), primary_key=True)
    last_login_at = Column(DateTime(timezone=True), nullable=False, index=True)


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


class RecoveryCode(Base):
    """A one-time recovery code of a staff account's second factor (keyed hash only)."""

    __tablename__ = "recovery_codes"

    id = Column(Integer, primary_key=True, autoincrement=True)
    account_id = Column(String(36), ForeignKey("accounts.id"), nullable=False, index=True)
    code_hash = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    used_at = Column(DateTime(timezone=True))


class LoginChallenge(Base):
    """A staff login whose password was right and whose second factor is
    still due (purpose "totp") or must first be enrolled ("enrol"). Only the
    hash of its token is kept; it ends after a few minutes or failed codes."""

    __tablename__ = "login_challenges"

    token_hash = Column(String(64), primary_key=True)
    account_id = Column(String(36), ForeignKey("accounts.id"), nullable=False, index=True)
    purpose = Column(String(10), nullable=False)
    ip = Column(String(64))
    created_at = Column(DateTime(timezone=True), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    ended_at = Column(DateTime(timezone=True))


class LoginRecord(Base):
    """登录日志: one login attempt (services.accounts.login_log)."""

    __tablename__ = "login_log"

    id = Column(Integer, primary_key=True, autoincrement=True)
    at = Column(DateTime(timezone=True), nullable=False, index=True)
    username = Column(String(40), nullable=False)  # as typed (normalised), also when unknown
    account_id = Column(String(36))
    kind = Column(String(20), nullable=False)  # portal or console
    address = Column(String(64))
    result = Column(String(20), nullable=False)  # see login_log.RESULTS
    detail = Column(String(200))

    __table_args__ = (Index("ix_login_log_username_at", "username", "at"),)


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
