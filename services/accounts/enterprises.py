"""Enterprise accounts: 注册, the profile, 忘记用户名, 忘记密码, changes of
password and contact (申诉: services.accounts.appeals).

Functions take the worker's transaction `tx` (tx.session, tx.dispatch) and
the service's settings `st` (st.code_key, st.store).
"""
import uuid

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from services.accounts import codes, forms, licences, login, passwords, sessions
from services.accounts.models import Account, Enterprise
from services.common import clock
from services.common import contracts
from services.common import regions
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.fields import Schema

SUMMARY = "填写内容有误，请按红色提示修改"
EXISTS = "该企业已存在"
USERNAME_TAKEN = "用户名已存在，请更换用户名"


def failed(errors):
    raise ValidationFailed(SUMMARY, errors)


def _phone(data, key):
    value = (data.get(key) or "").strip()
    field = forms.contact_phone(key)
    try:
        return field.parse(value) if value else None, None
    except Exception as exc:  # FieldError
        return None, str(exc)


# The form each code is asked from; at 获取验证码 every field of it the page
# sent is checked, except those filled after the code (FAQ 2.5).
CODE_FORMS = {
    codes.REGISTER: forms.REGISTRATION, codes.CHANGE_PHONE: forms.CHANGE_CONTACT,
    codes.APPEAL: forms.APPEAL, codes.RESET_PASSWORD: forms.FORGOT_PASSWORD_RESET,
}
AFTER_CODE = ("sms_code", "consent")
FIX_FIRST = "填写内容有误，请按红色提示修改后再获取验证码"


def _form_errors_before_code(purpose, data):
    """(clean, {key: message}) of the received fields of the code's form."""
    received = [fld for fld in CODE_FORMS[purpose] if fld.key in data and fld.key not in AFTER_CODE]
    return forms.validate(Schema(*received), data)


def _registration_conflicts(session, clean, errors):
    """FAQ 2.2 and 2.3 before any code is sent: 该企业已存在, 用户名已存在."""
    if "credit_code" in clean and session.scalars(
        select(Enterprise.id).where(Enterprise.credit_code == clean["credit_code"])
    ).first():
        errors["credit_code"] = EXISTS
    if "username" in clean and session.scalars(
        select(Account.id).where(Account.namespace == login.ENTERPRISES, Account.username == clean["username"])
    ).first():
        errors["username"] = USERNAME_TAKEN


def request_code(tx, st, principal, purpose, data, ip):
    """获取验证码. Nothing is sent while any field the page sent is in error
    (FAQ 2.5): the phone, and the rest of the form as received, with
    该企业已存在 and 用户名已存在 on 注册 (looked up only within the limits)."""
    if purpose == codes.REGISTER:
        key = "contact_phone"
    elif purpose == codes.CHANGE_PHONE:
        if principal is None or not principal.is_enterprise:
            raise Forbidden("请先登录")
        key = "contact_phone"
    elif purpose == codes.APPEAL:
        key = "new_phone"
    elif purpose == codes.RESET_PASSWORD:
        key = "contact_phone"
    else:
        raise ValidationFailed("不支持的验证码用途", {})
    clean, errors = _form_errors_before_code(purpose, data)
    phone, error = _phone(data, key)
    if error or not phone:
        errors[key] = error or "请先填写手机号码"
    elif purpose == codes.REGISTER and ({"credit_code", "username"} & clean.keys()):
        codes.check_limits(tx.session, phone, (ip or "")[:64] or None, clock.utcnow())
        _registration_conflicts(tx.session, clean, errors)
    if errors:
        raise ValidationFailed(next(iter(errors.values())) if len(errors) == 1 else FIX_FIRST, errors)
    if purpose == codes.RESET_PASSWORD:
        username = (data.get("username") or "").strip().lower()
        if not username:
            raise ValidationFailed("请填写用户名", {"username": "请填写用户名"})
        enterprise = _by_username(tx.session, username)
        matched = enterprise is not None and enterprise.contact_phone == phone
        # The same answer whether or not they match; the limits count both.
        return codes.send_code(tx, st, phone, purpose, ip, send=matched)
    return codes.send_code(tx, st, phone, purpose, ip)


def _by_username(session, username):
    account = session.scalars(
        select(Account).where(Account.username == username, Account.kind == contracts.ENTERPRISE)
    ).first()
    if account is None or account.disabled:
        return None
    return session.get(Enterprise, account.id)


def _registration_errors(tx, st, data, licence_key):
    """(clean values, licence image, {key: message}) of a 注册 form: every
    field, the licence image, 该企业已存在 and 用户名已存在."""
    image_data, licence_error = licences.read_temp(st.store, licence_key)
    clean, errors = forms.validate(forms.REGISTRATION, data)
    image = None
    if licence_error is None:
        image, licence_error = licences.check(image_data)
    if licence_error is not None:
        errors.update(licence_error.errors)
    _registration_conflicts(tx.session, clean, errors)
    return clean, image, errors


def _create_enterprise(session, clean, kept, enterprise_id, now):
    session.add(
        Account(
            id=enterprise_id,
            kind=contracts.ENTERPRISE,
            namespace=login.ENTERPRISES,
            username=clean["username"],
            password_hash=passwords.hash_password(clean["password"]),
            display_name=clean["name"],
            region_code=clean["region_code"],
            level=None,
            disabled=False,
            created_at=now,
        )
    )
    session.flush()
    session.add(
        Enterprise(
            id=enterprise_id,
            name=clean["name"],
            credit_code=clean["credit_code"],
            region_code=clean["region_code"],
            contact_name=clean["contact_name"],
            contact_phone=clean["contact_phone"],
            licence_key=kept["key"],
            licence_type=kept["content_type"],
            licence_sha256=kept["sha256"],
            consent_at=now,
        )
    )


def register(tx, st, data, licence_key, ip=None):
    """注册: every field right first, then the code is spent (a wrong one
    counts a try), then the account and its enterprise."""
    clean, image, errors = _registration_errors(tx, st, data, licence_key)
    if errors:
        failed(errors)
    codes.verify(tx.session, st.code_key, clean["contact_phone"], codes.REGISTER, clean["sms_code"])
    enterprise_id = str(uuid.uuid4())
    kept = licences.keep(st.store, enterprise_id, image)
    _create_enterprise(tx.session, clean, kept, enterprise_id, clock.utcnow())
    try:
        tx.session.flush()
    except IntegrityError:
        # Registered at the same moment by someone else.
        tx.session.rollback()
        raise Conflict(f"{EXISTS}或{USERNAME_TAKEN}")
    tx.dispatch(contracts.ENTERPRISE_REGISTERED, {"enterprise_id": enterprise_id, "region_code": clean["region_code"]})
    return {"id": enterprise_id, "username": clean["username"]}


def summary(session, enterprise_id):
    enterprise = session.get(Enterprise, enterprise_id)
    account = session.get(Account, enterprise_id)
    if enterprise is None or account is None:
        raise NotFound("未找到该企业")
    return {
        "id": enterprise.id,
        "username": account.username,
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "region_code": enterprise.region_code,
        "region_name": regions.full_name(enterprise.region_code),
        "contact_name": enterprise.contact_name,
        "contact_phone": enterprise.contact_phone,
        "disabled": account.disabled,
    }


def forgot_username(tx, st, data, ip=None):
    """忘记用户名 (FAQ 2.1): when 统一社会信用代码 or 企业名称 and 联系手机 match,
    the username goes by SMS to that phone. The answer is the same either
    way (and the limits count either way)."""
    clean, errors = forms.validate(forms.FORGOT_USERNAME, data)
    if errors:
        failed(errors)
    who = clean["who"].strip()
    phone = clean["contact_phone"]
    enterprise = tx.session.scalars(
        select(Enterprise).where(
            or_(Enterprise.credit_code == who.upper(), Enterprise.name == who),
            Enterprise.contact_phone == phone,
        )
    ).first()
    account = tx.session.get(Account, enterprise.id) if enterprise is not None else None
    row, _ = codes.issue(tx.session, st.code_key, phone, codes.USERNAME, ip)
    if account is not None and not account.disabled:
        tx.dispatch(
            contracts.SMS_REQUESTED,
            {
                "phone": phone,
                "template": contracts.SMS_USERNAME_REMINDER,
                "params": {"username": account.username},
                "dedupe_key": f"accounts:{row.id}",
            },
        )
    return {"phone_masked": codes.mask(phone)}


def reset_password(tx, st, data):
    """忘记密码, second step: the code sent to the contact phone, then a new
    password; every session of the account ends."""
    clean, errors = forms.validate(forms.FORGOT_PASSWORD_RESET, data)
    if errors:
        failed(errors)
    codes.verify(tx.session, st.code_key, clean["contact_phone"], codes.RESET_PASSWORD, clean["sms_code"])
    enterprise = _by_username(tx.session, clean["username"].strip().lower())
    if enterprise is None or enterprise.contact_phone != clean["contact_phone"]:
        # A code reached this phone, so it belongs to the account; this can
        # only happen when the contact changed meanwhile.
        raise ValidationFailed("用户名与联系手机不匹配", {"username": "用户名与联系手机不匹配"})
    account = tx.session.get(Account, enterprise.id)
    _set_password(tx.session, account, clean["password"])
    return {"username": account.username}


def _set_password(session, account, password):
    account.password_hash = passwords.hash_password(password)
    account.password_changed_at = clock.utcnow()
    sessions.end_all(session, account.id)


def change_password(tx, principal, data):
    """用户中心 → 修改密码. Every session ends; returns a fresh token for the
    browser that changed it."""
    clean, errors = forms.validate(forms.CHANGE_PASSWORD, data)
    account = tx.session.get(Account, principal.id)
    if account is None:
        raise NotFound("账号不存在")
    if "old_password" not in errors and not passwords.verify(account.password_hash, data.get("old_password")):
        errors["old_password"] = "原密码不正确"
    if errors:
        failed(errors)
    _set_password(tx.session, account, clean["password"])
    return {"token": sessions.start(tx.session, account.id)}


def change_contact(tx, st, principal, data):
    """用户中心 → 修改联系人: the new phone confirmed by a code sent to it.
    A field the page did not send keeps its value (a page without it)."""
    enterprise = tx.session.get(Enterprise, principal.id)
    if enterprise is None:
        raise NotFound("未找到该企业")
    current = {"contact_name": enterprise.contact_name, "contact_phone": enterprise.contact_phone}
    clean, errors = forms.validate(forms.CHANGE_CONTACT, {**current, **data})
    if errors:
        failed(errors)
    codes.verify(tx.session, st.code_key, clean["contact_phone"], codes.CHANGE_PHONE, clean["sms_code"])
    enterprise.contact_name = clean["contact_name"]
    enterprise.contact_phone = clean["contact_phone"]
    return summary(tx.session, principal.id)


def licence_key_of(session, enterprise_id):
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound("未找到该企业")
    return {"key": enterprise.licence_key, "content_type": enterprise.licence_type}
