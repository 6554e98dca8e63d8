"""A staff member's phone for the daily digest of their office.

A reviewer (or an admin) gives a mobile number and types back the code sent
to it; only then is the phone kept as verified. An office is a review level
with its region (区县 320102, 设区市 320100, 省级 320000); the services that
send the digest ask, as themselves, for the verified phones of an office's
enabled reviewers.
"""
from sqlalchemy import select

from services.accounts import codes, forms, staff
from services.accounts.models import Account
from services.common import clock
from services.common import contracts
from services.common import fields
from services.common.errors import ValidationFailed

PHONE_FORM = forms.STAFF_PHONE
SUMMARY = "填写内容有误，请按红色提示修改"
MAX_PHONES = 200  # an office has a handful of reviewers


def status(session, principal):
    account = staff.get(session, principal.id)
    verified = account.phone_verified_at is not None and account.phone
    return {
        "phone_masked": codes.mask(account.phone) if verified else "",
        "verified_at": clock.iso(account.phone_verified_at) if verified else None,
    }


def request_code(tx, st, principal, data, ip=None):
    """获取验证码 for the phone typed: {"phone_masked", "minutes"}."""
    staff.get(tx.session, principal.id)
    received = {"phone": (data or {}).get("phone")}
    clean, errors = fields.Schema(PHONE_FORM.by_key["phone"]).validate(received, require_all=True)
    if errors:
        raise ValidationFailed(errors["phone"], errors)
    return codes.send_code(tx, st, clean["phone"], codes.STAFF_PHONE, ip)


def confirm(tx, st, principal, data):
    """The code typed back: the phone is kept as verified."""
    account = staff.get(tx.session, principal.id)
    clean, errors = forms.validate(PHONE_FORM, data or {})
    if errors:
        raise ValidationFailed(SUMMARY, errors)
    codes.verify(tx.session, st.code_key, clean["phone"], codes.STAFF_PHONE, clean["sms_code"])
    before = codes.mask(account.phone) if account.phone_verified_at else "未设置"
    account.phone = clean["phone"]
    account.phone_verified_at = clock.utcnow()
    person = staff.view(account)
    staff.log(tx.session, principal, "staff.phone", person, before={"手机": before},
              after={"手机": person["phone_masked"]})
    return status(tx.session, principal)


def office_phones(session, level, region_code):
    """The verified phones of the enabled reviewers of one office."""
    if level not in contracts.LEVELS:
        raise ValidationFailed("审核级别不正确", {"level": "审核级别不正确"})
    region_code = str(region_code or "")[:6]
    message = staff.region_error(level, region_code)
    if message:
        raise ValidationFailed(message, {"region_code": message})
    rows = session.scalars(
        select(Account.phone).where(
            Account.kind == contracts.REVIEWER,
            Account.level == level,
            Account.region_code == region_code,
            Account.disabled.is_(False),
            Account.phone.is_not(None),
            Account.phone_verified_at.is_not(None),
        ).order_by(Account.created_at).limit(MAX_PHONES)
    ).all()
    return sorted(set(rows), key=rows.index)
