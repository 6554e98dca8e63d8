"""SMS verification codes and the limits on every SMS accounts asks for.

A code is six random digits, kept only as an HMAC, valid ten minutes and
dead after five wrong tries. Every SMS (codes and username reminders) is a
row here, so the limits cover them all: one per phone per 60 seconds, ten
per phone per day (Asia/Shanghai), and IP_PER_HOUR per client address.
"""
import datetime as dt
import hashlib
import hmac
import math
import secrets
import uuid

from sqlalchemy import func, select

from services.accounts.models import SmsCode
from services.common import clock
from services.common import contracts
from services.common.errors import RateLimited, ValidationFailed

REGISTER = "register"
RESET_PASSWORD = "reset_password"
CHANGE_PHONE = "change_phone"
APPEAL = "appeal"
STAFF_PHONE = "staff_phone"  # a staff member's phone for the daily digest
USERNAME = "username"  # a username reminder: no code, but it counts
CODE_PURPOSES = (REGISTER, RESET_PASSWORD, CHANGE_PHONE, APPEAL, STAFF_PHONE)

VALID_FOR = dt.timedelta(minutes=10)
MAX_TRIES = 5
PHONE_INTERVAL = dt.timedelta(seconds=60)
PHONE_PER_DAY = 10
IP_PER_HOUR = 20

WRONG = "短信验证码不正确"
EXPIRED = "短信验证码已失效，请重新获取"
MISSING = "请先获取短信验证码"


def hash_code(key, row_id, code):
    return hmac.new(key, f"{row_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _count(session, *where):
    return session.scalar(select(func.count()).select_from(SmsCode).where(*where))


def check_limits(session, phone, ip, now):
    """Raises RateLimited when another SMS to `phone` (from `ip`) is too soon."""
    last = clock.utc(session.scalar(select(func.max(SmsCode.created_at)).where(SmsCode.phone == phone)))
    if last is not None and now - last < PHONE_INTERVAL:
        wait = math.ceil((last + PHONE_INTERVAL - now).total_seconds())
        raise RateLimited(f"短信已发送，请{wait}秒后再获取", wait)
    # The Beijing day, compared in UTC: SQLite keeps the wall time of what it is given.
    local_midnight = clock.day_start(clock.beijing_day(now))
    if _count(session, SmsCode.phone == phone, SmsCode.created_at >= local_midnight) >= PHONE_PER_DAY:
        tomorrow = local_midnight + dt.timedelta(days=1)
        raise RateLimited("该手机号今日获取短信次数已达上限，请明日再试", math.ceil((tomorrow - now).total_seconds()))
    if ip and _count(session, SmsCode.ip == ip, SmsCode.created_at >= now - dt.timedelta(hours=1)) >= IP_PER_HOUR:
        raise RateLimited("获取短信过于频繁，请稍后再试", 3600)


def issue(session, key, phone, purpose, ip=None, now=None, send=True):
    """Record an SMS to `phone` after the limits allow it. Returns (row, code)
    — the code is None for a reminder or when `send` is False (a request
    that matched no account: it counts like a real one, so the limits do not
    tell whether an account matched)."""
    now = now or clock.utcnow()
    ip = (ip or "")[:64] or None
    check_limits(session, phone, ip, now)
    row_id = str(uuid.uuid4())
    code = f"{secrets.randbelow(10**6):06d}" if purpose in CODE_PURPOSES and send else None
    row = SmsCode(
        id=row_id,
        phone=phone,
        purpose=purpose,
        code_hash=hash_code(key, row_id, code) if code else "-",
        ip=ip,
        created_at=now,
        expires_at=now + VALID_FOR,
        attempts=0,
    )
    session.add(row)
    session.flush()
    return row, code


def verify(session, key, phone, purpose, code, field="sms_code", now=None):
    """Consume the latest code sent to `phone` for `purpose`. A wrong code
    counts a try and is committed even though ValidationFailed is raised."""
    now = now or clock.utcnow()
    code = (code or "").strip()
    row = session.scalars(
        select(SmsCode)
        .where(SmsCode.phone == phone, SmsCode.purpose == purpose, SmsCode.code_hash != "-")
        .order_by(SmsCode.created_at.desc())
        .limit(1)
        .with_for_update()
    ).first()
    if row is None:
        raise ValidationFailed(MISSING, {field: MISSING})
    if row.used_at is not None or clock.utc(row.expires_at) <= now or row.attempts >= MAX_TRIES:
        raise ValidationFailed(EXPIRED, {field: EXPIRED})
    if not code or not hmac.compare_digest(row.code_hash, hash_code(key, row.id, code)):
        row.attempts += 1
        # The try must count although the call fails (its transaction is
        # rolled back when it raises): commit it now.
        session.commit()
        message = EXPIRED if row.attempts >= MAX_TRIES else WRONG
        raise ValidationFailed(message, {field: message})
    row.used_at = now
    return row


def mask(phone):
    return phone[:3] + "****" + phone[-4:] if phone and len(phone) == 11 else ""


def send_code(tx, st, phone, purpose, ip, send=True):
    """Issue a code for `purpose` to `phone` (within the limits) and ask
    notify to send it: {"phone_masked", "minutes"}."""
    row, code = issue(tx.session, st.code_key, phone, purpose, ip, send=send)
    if code:
        minutes = int(VALID_FOR.total_seconds() // 60)
        tx.dispatch(
            contracts.SMS_REQUESTED,
            {
                "phone": phone,
                "template": contracts.SMS_VERIFICATION_CODE,
                "params": {"code": code, "minutes": minutes},
                "dedupe_key": f"accounts:{row.id}",
            },
        )
    return {"phone_masked": mask(phone), "minutes": int(VALID_FOR.total_seconds() // 60)}
