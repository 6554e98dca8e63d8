"""两步验证: a second factor (TOTP, RFC 6238, as authenticator apps such as
微信小程序「腾讯身份验证器」 or Google Authenticator read it from a QR code)
for staff of the console.

Policy: admins must use it in production; reviewers when
STAFF_TOTP_REQUIRED names them (`admin,reviewer`). In development nobody is
forced (the demo staff log in with their password) but everyone is offered
enrolment.

At rest the TOTP secret is encrypted (AES-GCM, a key of its own: TOTP_KEY, or
one derived from PRINCIPAL_SECRET); recovery codes (ten, each usable once) are
kept as keyed SHA-256 hashes only. A code counts once: the time step it
matched is remembered and a code of that step or an earlier one is refused.

A staff login whose password is right but whose second factor is due gets a
challenge (a random token, its hash kept, five minutes, five wrong codes)
instead of a session. Every function that decides a login returns or raises
with one of the OUTCOME_* values, for the login log.
"""
import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update

from services.accounts import sessions
from services.accounts.models import Account, LoginChallenge, RecoveryCode
from services.common import clock
from services.common import config as cfg
from services.common import contracts
from services.common.errors import BadState, Forbidden, ValidationFailed

ISSUER = "江苏双创基地认定申报"
STEP = 30  # seconds of a TOTP time step
VALID_WINDOW = 1  # steps either side accepted (phone clocks drift)
CHALLENGE_TTL = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
RECOVERY_CODES = 10

# Outcomes of a login's second step (values for the login log).
OUTCOME_PASSWORD_ONLY = "password_only"  # no second factor required nor enrolled: session started
OUTCOME_TOTP_REQUIRED = "totp_required"  # password right; a code is due
OUTCOME_ENROL_REQUIRED = "enrol_required"  # password right; enrolment must come first
OUTCOME_TOTP_OK = "totp_ok"
OUTCOME_RECOVERY_OK = "recovery_code_ok"
OUTCOME_CODE_WRONG = "code_wrong"
OUTCOME_CODE_REUSED = "code_reused"
OUTCOME_CHALLENGE_INVALID = "challenge_invalid"  # unknown, expired, used, or too many wrong codes
OUTCOME_ENROLLED = "enrolled"
OUTCOME_RESET = "reset_by_admin"

WRONG_CODE = "验证码错误，请输入验证器当前显示的6位数字或一个恢复码"
REUSED_CODE = "该验证码已使用，请等待验证器显示下一个验证码"
CHALLENGE_GONE = "登录已超时或验证码错误次数过多，请重新登录"


class SecondFactorFailed(Exception):
    """A wrong or reused code, or a challenge that is gone. The service
    commits the counted attempt and answers Unauthenticated(message)."""

    def __init__(self, message, outcome):
        super().__init__(message, outcome)
        self.message = message
        self.outcome = outcome


# --- settings ----------------------------------------------------------------------

def required_kinds(config=None):
    """The staff kinds that must use a second factor."""
    default = contracts.ADMIN if cfg.is_production(config) else ""
    raw = cfg.get(contracts.ENV_STAFF_TOTP_REQUIRED, config, default=default) or ""
    kinds = {k.strip() for k in raw.split(",") if k.strip() and k.strip() != "none"}
    unknown = kinds - {contracts.ADMIN, contracts.REVIEWER}
    if unknown:
        raise ValueError(f"{contracts.ENV_STAFF_TOTP_REQUIRED} names unknown roles: {', '.join(sorted(unknown))}")
    if cfg.is_production(config):
        kinds.add(contracts.ADMIN)  # never optional for admins in production
    return frozenset(kinds)


def secret_key(config=None):
    """32 bytes: TOTP_KEY (hex, 64 digits) or derived from PRINCIPAL_SECRET."""
    raw = cfg.get(contracts.ENV_TOTP_KEY, config)
    if raw:
        try:
            key = bytes.fromhex(raw)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise ValueError(f"{contracts.ENV_TOTP_KEY} must be 64 hexadecimal digits (e.g. `openssl rand -hex 32`)")
        return key
    return hashlib.sha256(b"totp-secrets:" + cfg.get(contracts.ENV_PRINCIPAL_SECRET, config).encode()).digest()


class Keys:
    """What the accounts workers use: the encryption key and the policy."""

    def __init__(self, config=None):
        self.key = secret_key(config)
        self.required = required_kinds(config)

    def seal(self, secret):
        nonce = os.urandom(12)
        return base64.b64encode(nonce + AESGCM(self.key).encrypt(nonce, secret.encode(), b"totp")).decode()

    def open(self, sealed):
        raw = base64.b64decode(sealed)
        try:
            return AESGCM(self.key).decrypt(raw[:12], raw[12:], b"totp").decode()
        except InvalidTag:
            raise BadState("两步验证密钥无法解密（密钥配置已更改），请联系平台管理员重置两步验证")

    def code_hash(self, code):
        return hmac.new(self.key, b"recovery:" + normal_code(code).encode(), hashlib.sha256).hexdigest()


def normal_code(code):
    return "".join(ch for ch in str(code or "") if ch.isalnum()).lower()


# --- what the console shows ------------------------------------------------------------

def is_required(keys, account):
    return account.kind in keys.required


def status(session, keys, account):
    left = len(session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))).all())
    return {
        "enrolled": account.totp_secret is not None,
        "enrolled_at": account.totp_enrolled_at.isoformat() if account.totp_enrolled_at else None,
        "required": is_required(keys, account),
        "recovery_codes_left": left,
    }


# --- enrolment ----------------------------------------------------------------------

def begin_enrolment(keys, account):
    """A secret kept (encrypted) as pending until a code confirms it: a
    fresh one, or the one already pending; {"secret", "uri"} for the QR
    code and for typing it in."""
    if account.kind not in (contracts.ADMIN, contracts.REVIEWER):
        raise Forbidden("仅审核人员和管理员使用两步验证")
    if account.totp_secret is not None:
        raise BadState("两步验证已启用")
    if account.totp_pending_secret is not None:
        # The page shown again (a wrong code, a reload): the app already holds this one.
        secret = keys.open(account.totp_pending_secret)
    else:
        secret = pyotp.random_base32()
        account.totp_pending_secret = keys.seal(secret)
    uri = pyotp.TOTP(secret, interval=STEP).provisioning_uri(name=account.username, issuer_name=ISSUER)
    return {"secret": secret, "uri": uri, "username": account.username, "issuer": ISSUER}


def _matching_step(secret, code, now):
    code = normal_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        at = now + dt.timedelta(seconds=offset * STEP)
        if hmac.compare_digest(totp.at(at), code):
            return int(at.timestamp()) // STEP
    return None


def confirm_enrolment(session, keys, account, code, now=None):
    """The first code from the app confirms the pending secret; returns the
    ten recovery codes (shown once, only their hashes kept)."""
    now = now or clock.utcnow()
    if account.totp_pending_secret is None:
        raise BadState("请先开始启用两步验证")
    secret = keys.open(account.totp_pending_secret)
    step = _matching_step(secret, code, now)
    if step is None:
        raise ValidationFailed("验证码不正确，请输入验证器当前显示的6位数字", {"code": "验证码不正确"})
    account.totp_secret = account.totp_pending_secret
    account.totp_pending_secret = None
    account.totp_enrolled_at = now
    account.totp_last_step = step
    return new_recovery_codes(session, keys, account, now)


def new_recovery_codes(session, keys, account, now=None):
    now = now or clock.utcnow()
    session.execute(update(RecoveryCode).where(
        RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None)).values(used_at=now))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 10 hexadecimal characters, 40 bits
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(account_id=account.id, code_hash=keys.code_hash(raw), created_at=now))
    session.flush()
    return codes


def reset(session, account, now=None):
    """An admin clears a staff member's second factor (a lost phone): the
    secret and recovery codes go, every session ends; the next login enrols
    again where it is required."""
    if account.kind not in (contracts.ADMIN, contracts.REVIEWER):
        raise Forbidden("仅审核人员和管理员使用两步验证")
    now = now or clock.utcnow()
    account.totp_secret = None
    account.totp_pending_secret = None
    account.totp_enrolled_at = None
    account.totp_last_step = None
    session.execute(update(RecoveryCode).where(
        RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None)).values(used_at=now))
    sessions.end_all(session, account.id, now)
    return OUTCOME_RESET


# --- the login's second step -------------------------------------------------------------

def after_password(session, keys, account, ip=None, now=None):
    """What follows a right password for staff: (outcome, challenge token or None)."""
    if account.totp_secret is not None:
        return OUTCOME_TOTP_REQUIRED, _challenge(session, account, "totp", ip, now)
    if is_required(keys, account):
        return OUTCOME_ENROL_REQUIRED, _challenge(session, account, "enrol", ip, now)
    return OUTCOME_PASSWORD_ONLY, None


def _challenge(session, account, purpose, ip, now):
    token = secrets.token_urlsafe(32)
    session.add(LoginChallenge(token_hash=sessions.token_hash(token), account_id=account.id, purpose=purpose,
                               ip=(ip or "")[:64] or None, created_at=now or clock.utcnow(), attempts=0))
    return token


def live_challenge(session, token, purpose, now=None):
    """The challenge's row and account; SecondFactorFailed when it is gone."""
    now = now or clock.utcnow()
    row = None
    if isinstance(token, str) and 0 < len(token) <= 200:
        row = session.get(LoginChallenge, sessions.token_hash(token))
    if (row is None or row.purpose != purpose or row.ended_at is not None or row.attempts >= MAX_ATTEMPTS
            or now - clock.utc(row.created_at) > CHALLENGE_TTL):
        raise SecondFactorFailed(CHALLENGE_GONE, OUTCOME_CHALLENGE_INVALID)
    account = session.get(Account, row.account_id)
    if account is None or account.disabled or (purpose == "totp" and account.totp_secret is None):
        # Disabled, or its second factor reset by an admin meanwhile.
        raise SecondFactorFailed(CHALLENGE_GONE, OUTCOME_CHALLENGE_INVALID)
    return row, account


def verify(session, keys, token, code, now=None):
    """Check a TOTP code or a recovery code against a "totp" challenge:
    (outcome, account) on success; a wrong code counts an attempt (committed
    by the caller even though it raises) and raises SecondFactorFailed."""
    now = now or clock.utcnow()
    row, account = live_challenge(session, token, "totp", now)
    step = _matching_step(keys.open(account.totp_secret), code, now)
    outcome = None
    if step is not None:
        if account.totp_last_step is not None and step <= account.totp_last_step:
            outcome = OUTCOME_CODE_REUSED
        else:
            account.totp_last_step = step
            outcome = OUTCOME_TOTP_OK
    else:
        recovery = session.scalars(select(RecoveryCode).where(
            RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None),
            RecoveryCode.code_hash == keys.code_hash(code))).first()
        if recovery is not None and normal_code(code):
            recovery.used_at = now
            outcome = OUTCOME_RECOVERY_OK
    if outcome in (OUTCOME_TOTP_OK, OUTCOME_RECOVERY_OK):
        row.ended_at = now
        return outcome, account
    row.attempts += 1
    if outcome == OUTCOME_CODE_REUSED:
        raise SecondFactorFailed(REUSED_CODE, OUTCOME_CODE_REUSED)
    raise SecondFactorFailed(WRONG_CODE, OUTCOME_CODE_WRONG)


def enrolment_of_challenge(session, keys, token, now=None):
    """begin_enrolment for the account of an "enrol" challenge."""
    _, account = live_challenge(session, token, "enrol", now)
    return begin_enrolment(keys, account)


def confirm_challenge_enrolment(session, keys, token, code, now=None):
    """confirm_enrolment for an "enrol" challenge: (account, recovery codes);
    a wrong code counts an attempt and raises SecondFactorFailed."""
    now = now or clock.utcnow()
    row, account = live_challenge(session, token, "enrol", now)
    try:
        codes = confirm_enrolment(session, keys, account, code, now)
    except ValidationFailed:
        row.attempts += 1
        raise SecondFactorFailed("验证码不正确，请输入验证器当前显示的6位数字", OUTCOME_CODE_WRONG)
    row.ended_at = now
    return account, codes
