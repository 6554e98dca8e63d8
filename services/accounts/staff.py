"""Staff accounts: reviewers (level and region) and admins."""
import re
import uuid

from sqlalchemy import select

from services.accounts import codes, login, passwords, sessions
from services.accounts.models import Account
from services.common import clock
from services.common import contracts
from services.common import operation_log, regions
from services.common.errors import Conflict, NotFound, ValidationFailed

USERNAME_RULE = "用户名为4至20位字母、数字或下划线，以字母开头"
_USERNAME = re.compile(r"^[a-z][a-z0-9_]{3,19}$")
STAFF_KINDS = (contracts.REVIEWER, contracts.ADMIN)
LEVEL_LABELS = {contracts.COUNTY: "区县", contracts.CITY: "设区市", contracts.PROVINCE: "省级"}
KIND_LABELS = {contracts.REVIEWER: "审核人员", contracts.ADMIN: "管理员"}


def username_error(username):
    return None if _USERNAME.match(username or "") else USERNAME_RULE


def region_error(level, region_code):
    """A reviewer's region must match its level."""
    if level == contracts.COUNTY and not regions.is_county(region_code or ""):
        return "区县级审核人员请选择区县"
    if level == contracts.CITY and not regions.is_city(region_code or ""):
        return "设区市级审核人员请选择设区市"
    if level == contracts.PROVINCE and region_code != regions.PROVINCE:
        return "省级审核人员的地区为江苏省（320000）"
    return None


def office(account):
    """The office a staff member acts for: 南京市玄武区工信部门, or 平台管理员."""
    if account.kind == contracts.ADMIN:
        return "平台管理员"
    name = regions.full_name(account.region_code) if account.region_code else ""
    return f"{name}工信部门（{LEVEL_LABELS.get(account.level, '')}审核）"


def names(session, ids):
    """{id: {"name", "office"}} of the staff among `ids` (others left out):
    how the audit trail, the notes and the logs name a person."""
    wanted = sorted({str(i) for i in (ids or ()) if i})[:500]
    if not wanted:
        return {}
    rows = session.scalars(
        select(Account).where(Account.id.in_(wanted), Account.kind.in_(STAFF_KINDS))
    ).all()
    return {a.id: {"name": a.display_name, "office": office(a)} for a in rows}


def view(account):
    return {
        "id": account.id,
        "username": account.username,
        "name": account.display_name,
        "kind": account.kind,
        "kind_label": KIND_LABELS.get(account.kind, account.kind),
        "level": account.level,
        "level_label": LEVEL_LABELS.get(account.level, ""),
        "region_code": account.region_code,
        "region_name": regions.full_name(account.region_code) if account.region_code else "",
        "office": office(account),
        "disabled": account.disabled,
        "second_factor": account.totp_secret is not None,
        "phone_masked": codes.mask(account.phone) if account.phone_verified_at else "",
        "created_at": account.created_at.isoformat(),
    }


def create(session, username, password, name, kind, level=None, region_code=None, now=None):
    username = (username or "").strip().lower()
    name = (name or "").strip()
    region_code = (region_code or "").strip() or None
    errors = {}
    if username_error(username):
        errors["username"] = USERNAME_RULE
    if passwords.strength_error(password):
        errors["password"] = passwords.strength_error(password)
    if not name or len(name) > 50:
        errors["name"] = "请填写姓名（50字以内）"
    if kind not in STAFF_KINDS:
        errors["kind"] = "请选择角色"
    if kind == contracts.REVIEWER:
        if level not in contracts.LEVELS:
            errors["level"] = "请选择审核级别"
        else:
            message = region_error(level, region_code)
            if message:
                errors["region_code"] = message
    else:
        level, region_code = None, None
    if errors:
        raise ValidationFailed("填写内容有误，请按提示修改", errors)
    if session.scalars(
        select(Account.id).where(Account.namespace == login.STAFF, Account.username == username)
    ).first():
        raise Conflict("用户名已存在，请更换用户名")
    account = Account(
        id=str(uuid.uuid4()),
        kind=kind,
        namespace=login.STAFF,
        username=username,
        password_hash=passwords.hash_password(password),
        display_name=name,
        region_code=region_code,
        level=level,
        disabled=False,
        created_at=now or clock.utcnow(),
    )
    session.add(account)
    session.flush()
    return view(account)


def listing(session):
    rows = session.scalars(
        select(Account).where(Account.kind.in_(STAFF_KINDS)).order_by(Account.created_at)
    ).all()
    return [view(a) for a in rows]


def get(session, account_id):
    return _get(session, account_id)


def _get(session, account_id):
    account = session.get(Account, account_id)
    if account is None or account.kind not in STAFF_KINDS:
        raise NotFound("未找到该人员")
    return account


def described(person):
    """A staff member as the 操作日志 records it."""
    return {
        "用户名": person["username"], "姓名": person["name"], "角色": person["kind_label"],
        "审核级别": person["level_label"], "地区": person["region_name"],
    }


def log(session, principal, action, person, before=None, after=None):
    operation_log.record(session, principal, action, f"{person['name']}（{person['username']}）", person["id"],
                         before=before, after=after)


def log_appeal(session, principal, appeal):
    accepted = appeal["status"] == "accepted"
    after = {"状态": appeal["status_label"], "处理意见": appeal["settle_note"]}
    if accepted:
        after.update({"联系人": appeal["contact_name"], "联系手机": codes.mask(appeal["new_phone"])})
    operation_log.record(
        session, principal, "appeal.accept" if accepted else "appeal.refuse",
        f"申诉：{appeal['enterprise_name'] or ''}（{appeal['credit_code']}）", appeal["id"],
        before={"状态": "待处理"}, after=after,
    )


def state_label(session, account_id):
    return "已停用" if _get(session, account_id).disabled else "正常"


def set_disabled(session, account_id, disabled, acting_id):
    account = _get(session, account_id)
    if account.id == acting_id and disabled:
        raise ValidationFailed("不能停用自己的账号", {})
    account.disabled = bool(disabled)
    if disabled:
        sessions.end_all(session, account.id)
    return view(account)


def reset_password(session, account_id, password):
    account = _get(session, account_id)
    message = passwords.strength_error(password)
    if message:
        raise ValidationFailed(message, {"password": message})
    account.password_hash = passwords.hash_password(password)
    account.password_changed_at = clock.utcnow()
    sessions.end_all(session, account.id)
    return view(account)
