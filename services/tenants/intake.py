"""Tenant intake: QR links, drafts per device, entries, totals.

Plain functions on a SQLAlchemy session; service.py only wires them to RPC
and events. Access is decided here from the verified principal and
tenants' own copy of each declaration (owner, region, state, version), fed by
declarations' events: the owner changes its link and entries; reviewers read
the entries of submitted declarations of their office's region; admins and
services read; the tenant pages are anonymous and present a signed link token.
"""
import datetime as dt
import re
import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.common import personal_data
from services.common import contracts as c
from services.common import regions
from services.common.errors import BadState, Conflict, Forbidden, NotFound, ValidationFailed
from services.tenants import links, steps
from services.tenants.models import (
    ENTRY_STATES,
    EXCLUDED,
    REOPENED,
    SUBMITTED,
    IntakeDraft,
    IntakeLink,
    TenantEntry,
)

CLOSED_MESSAGE = "本基地的申报已提交，入驻企业信息填报已关闭。如需补充或修改，请联系基地运营企业。"
LOCKED_MESSAGE = "申报已提交，入驻企业信息暂不能修改；申报被退回或提交未通过检查后可再修改。"
NO_DRAFT_MESSAGE = "没有待提交的填报内容，请从第一步开始填写"
_DEVICE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
REPEAT_WINDOW = dt.timedelta(minutes=10)  # a repeated 确认提交 within this returns the first result
MAX_REASON = 500


def now():
    return dt.datetime.now(dt.timezone.utc)


def beijing(moment):
    """'2026-11-28 14:03' in Beijing time."""
    if moment is None:
        return ""
    return links.utc(moment).astimezone(links.CHINA).strftime("%Y-%m-%d %H:%M")


def iso(moment):
    return links.utc(moment).isoformat() if moment else None


def url_path(token):
    return f"/intake/{token}"


# --- tenants' copy of the declaration ------------------------------------------

EDITABLE_STATES = (c.DRAFT, c.RETURNED, c.WITHDRAWN)  # as declarations.lifecycle.EDITABLE
SYNCING_MESSAGE = "申报信息正在同步，请稍后刷新页面再试"
HOLD_SECONDS = 60  # intake stays closed this long for a 提交 that neither commits nor fails


def apply_declaration(session, envelope):
    """declaration_started / declaration_changed: tenants' copy of the
    declaration (owner, region, state, version), applied only when newer
    than the copy (declarations' sequence), whatever order events come in.
    Intake is open exactly while the declaration is editable. Returns True
    when the copy changed."""
    data, sequence, state = envelope["data"], envelope["sequence"], envelope["state"]
    declaration_id = str(data["declaration_id"])
    link = _link(session, declaration_id, lock=True)
    stamp = now()
    if link is None:
        link = IntakeLink(declaration_id=declaration_id, enterprise_id="", base_name="", serial=0,
                          intake_closed=False, created_at=stamp, sequence=0)
        session.add(link)
    elif link.state is not None and (link.sequence or 0) >= sequence:
        return False
    link.enterprise_id = str(data["enterprise_id"])  # declarations owns the answer
    link.region_code = str(data.get("region_code") or "")[:6]
    link.version = int(data.get("version") or 0)
    link.state = state
    link.sequence = sequence
    closed = state not in EDITABLE_STATES
    if closed and not link.intake_closed:
        link.closed_at = stamp
    if not closed:
        link.closed_at = None
        link.held_until = None  # any 提交 before this change is over
    link.intake_closed = closed
    link.updated_at = stamp
    session.flush()
    return True


def is_closed(link, at=None):
    """Intake closed: the declaration is not editable, or a 提交 holds it."""
    if link is None:
        return False
    if link.intake_closed:
        return True
    return link.held_until is not None and links.utc(link.held_until) > (at or now())


# --- access -------------------------------------------------------------------


def _link(session, declaration_id, lock=False):
    """lock=True: FOR UPDATE (changing the link, closing); lock="share": FOR
    SHARE (a submission: many at once, but none while intake is being closed)."""
    query = select(IntakeLink).where(IntakeLink.declaration_id == str(declaration_id))
    if lock:
        query = query.with_for_update(read=lock == "share")
    return session.execute(query).scalar_one_or_none()


def _is_owner(link, principal):
    return (
        principal is not None and principal.is_enterprise and link is not None
        and link.enterprise_id not in ("", None) and link.enterprise_id == principal.id
    )


def _reviewer_may_read(link, principal):
    """A reviewer reads the entries of a submitted declaration of its office's
    region (never a draft, never another region's)."""
    return (
        link is not None and link.state is not None and link.state != c.DRAFT and (link.version or 0) >= 1
        and principal.level in c.LEVELS
        and regions.within_office(principal.level, principal.region_code, link.region_code)
    )


def readable_link(session, principal, declaration_id):
    """The link row (it exists once declarations told tenants of the
    declaration) if `principal` may read the declaration's tenant entries."""
    if principal is None:
        raise Forbidden("无权访问")
    link = _link(session, declaration_id)
    if principal.kind in (c.ADMIN, c.SYSTEM):
        return link
    if principal.is_reviewer:
        if _reviewer_may_read(link, principal):
            return link
        raise NotFound("未找到该申报，或不在您的审核范围内")
    if principal.is_enterprise:
        if link is None:
            raise BadState(SYNCING_MESSAGE)
        if _is_owner(link, principal):
            return link
        raise NotFound("未找到该申报")
    raise Forbidden("无权访问")


def owned_link(session, principal, declaration_id, lock=True):
    """The link row of a declaration the calling enterprise owns (for changes)."""
    if principal is None or not principal.is_enterprise:
        raise Forbidden("只有基地运营企业可以执行此操作")
    link = _link(session, declaration_id, lock=lock)
    if link is None:
        raise BadState(SYNCING_MESSAGE)
    if not _is_owner(link, principal):
        raise NotFound("未找到该申报")
    return link


def _closer_link(session, principal, declaration_id):
    """Link row for the hold of 提交: the owner (declarations calls on its
    behalf), an admin or a service."""
    if principal is None or principal.kind not in (c.ENTERPRISE, c.ADMIN, c.SYSTEM):
        raise Forbidden("无权执行此操作")
    if principal.is_enterprise:
        return owned_link(session, principal, declaration_id)
    link = _link(session, declaration_id, lock=True)
    if link is None:
        raise BadState(SYNCING_MESSAGE)
    return link


# --- links ----------------------------------------------------------------------


def _status(link, config=None):
    if link is None:
        return {"active": False, "token": None, "url_path": None, "serial": 0, "base_name": "",
                "expires_at": None, "expired": False, "intake_open": True, "closed_at": None}
    expired = link.expires_at is not None and links.utc(link.expires_at) <= now()
    active = bool(link.nonce) and not expired
    token = links.sign(link.declaration_id, link.serial, link.nonce, link.expires_at, config) if active else None
    return {
        "active": active,
        "token": token,
        "url_path": url_path(token) if token else None,
        "serial": link.serial,
        "base_name": link.base_name,
        "expires_at": iso(link.expires_at),
        "expires_at_text": beijing(link.expires_at),
        "expired": expired,
        "revoked_at": iso(link.revoked_at),
        "intake_open": not is_closed(link),
        "closed_at": iso(link.closed_at),
    }


def open_link(session, principal, declaration_id, base_name, batch_closes_at, config=None, renew=False):
    """The declaration's active link, made on first use (or anew when `renew`,
    or after a revocation). Returns the link status with `token` and `url_path`."""
    if principal is None or not principal.is_enterprise:
        raise Forbidden("只有基地运营企业可以生成入驻企业填报二维码")
    base_name = (base_name or "").strip()[:200]
    if not base_name:
        raise ValidationFailed("请先在申请表中填写基地名称", {"base_name": "请先在申请表中填写基地名称"})
    closes = links.parse_closing(batch_closes_at)
    if closes is not None and closes <= now():
        raise BadState(links.EXPIRED_MESSAGE)
    stamp = now()
    link = owned_link(session, principal, declaration_id)
    link.base_name = base_name
    link.expires_at = closes
    if renew or not link.nonce:
        link.serial = (link.serial or 0) + 1
        link.nonce = links.new_nonce()
        link.revoked_at = None
    link.updated_at = stamp
    session.flush()
    return _status(link, config)


def revoke_link(session, principal, declaration_id, config=None):
    link = owned_link(session, principal, declaration_id)
    if link.nonce:
        link.nonce = None
        link.revoked_at = now()
        link.updated_at = link.revoked_at
    return _status(link, config)


def link_status(session, principal, declaration_id, config=None):
    link = readable_link(session, principal, declaration_id)
    status = _status(link, config)
    if not _is_owner(link, principal):
        # Only the owner gets the token itself.
        status.update(token=None, url_path=None)
    return status


# --- closing ----------------------------------------------------------------------


def close_intake(session, principal, declaration_id, hold_seconds=HOLD_SECONDS):
    """Hold intake closed for a 提交 and return the totals of the entries.
    The committed submission closes it for good (declaration_changed); a
    提交 that fails releases the hold (`reopen_intake`), and one that never
    says either way lets it run out."""
    link = _closer_link(session, principal, declaration_id)
    stamp = now()
    if not is_closed(link, stamp):
        link.closed_at = stamp
    link.held_until = stamp + dt.timedelta(seconds=float(hold_seconds))
    link.updated_at = stamp
    return compute_totals(session, link.declaration_id)


def reopen_intake(session, principal, declaration_id):
    """Release the hold of a 提交 that did not go through. Intake opens only
    while the declaration is editable (tenants' copy says so)."""
    link = _closer_link(session, principal, declaration_id)
    link.held_until = None
    link.updated_at = now()
    if not link.intake_closed:
        link.closed_at = None
    return {"intake_open": not is_closed(link)}


# --- entries ----------------------------------------------------------------------


def _dec(value):
    try:
        return Decimal(str(value))
    except Exception:
        return Decimal("0")


def _summary(entry):
    operations = (entry.data or {}).get("operations", {})
    return {
        "id": entry.id,
        "reference": entry.reference,
        "company_name": entry.company_name,
        "credit_code": entry.credit_code,
        "size": entry.size,
        "state": entry.state,
        "state_label": ENTRY_STATES.get(entry.state, entry.state),
        "submitted_at": iso(entry.submitted_at),
        "submitted_at_text": beijing(entry.submitted_at),
        "first_submitted_at": iso(entry.first_submitted_at),
        "submissions": entry.submissions,
        "employees": operations.get("employees"),
        "revenue": operations.get("revenue"),
        "excluded_reason": entry.excluded_reason,
        "excluded_at": iso(entry.excluded_at),
        "reopened_at": iso(entry.reopened_at),
        "notice_version": entry.notice_version,
        "notice_shown_at": iso(entry.notice_shown_at),
    }


def answers(data):
    """The filled values by step, labelled, for summaries and exports."""
    out = []
    for s in steps.STEPS:
        values = (data or {}).get(s.key, {})
        items = []
        for f in s.schema:
            value = values.get(f.key)
            if isinstance(value, list):
                text = "、".join(value) if value else "无"
            elif value is None or value == "":
                text = ""
            else:
                unit = getattr(f, "unit", "")
                text = f"{value}{(' ' + unit) if unit else ''}"
            items.append({"key": f.key, "label": f.label, "value": value, "text": text})
        out.append({"key": s.key, "title": s.title, "items": items})
    return out


def list_entries(session, principal, declaration_id, details=False):
    """The entries in the order they first came in; `details` adds each one's
    filled values (for exports)."""
    readable_link(session, principal, declaration_id)
    rows = session.execute(
        select(TenantEntry)
        .where(TenantEntry.declaration_id == str(declaration_id))
        .order_by(TenantEntry.first_submitted_at, TenantEntry.id)
    ).scalars()
    if details:
        return [{**_summary(e), "data": e.data} for e in rows]
    return [_summary(e) for e in rows]


def _entry(session, declaration_id, entry_id, lock=False):
    query = select(TenantEntry).where(
        TenantEntry.declaration_id == str(declaration_id), TenantEntry.id == str(entry_id)
    )
    if lock:
        query = query.with_for_update()
    entry = session.execute(query).scalar_one_or_none()
    if entry is None:
        raise NotFound("未找到该入驻企业")
    return entry


def get_entry(session, principal, declaration_id, entry_id):
    readable_link(session, principal, declaration_id)
    entry = _entry(session, declaration_id, entry_id)
    return {**_summary(entry), "data": entry.data, "answers": answers(entry.data)}


def exclude_entry(session, principal, declaration_id, entry_id, reason):
    link = owned_link(session, principal, declaration_id)
    if is_closed(link):
        raise BadState(LOCKED_MESSAGE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写排除原因", {"reason": "请填写排除原因"})
    if len(reason) > MAX_REASON:
        raise ValidationFailed("排除原因过长", {"reason": f"不能超过{MAX_REASON}字（当前{len(reason)}字）"})
    entry = _entry(session, declaration_id, entry_id, lock=True)
    if entry.state == EXCLUDED:
        raise BadState("该入驻企业已被排除")
    stamp = now()
    entry.state = EXCLUDED
    entry.excluded_reason = reason
    entry.excluded_at = stamp
    entry.updated_at = stamp
    return _summary(entry)


def reopen_entry(session, principal, declaration_id, entry_id):
    """Let the tenant correct an entry through the link (and count an excluded
    one again once it is resubmitted)."""
    link = owned_link(session, principal, declaration_id)
    if is_closed(link):
        raise BadState(LOCKED_MESSAGE)
    entry = _entry(session, declaration_id, entry_id, lock=True)
    if entry.state == REOPENED:
        return _summary(entry)
    stamp = now()
    entry.state = REOPENED
    entry.reopened_at = stamp
    entry.updated_at = stamp
    return _summary(entry)


def totals(session, principal, declaration_id):
    readable_link(session, principal, declaration_id)
    return compute_totals(session, declaration_id)


def compute_totals(session, declaration_id):
    """Roll-up of the entries that count (submitted, or reopened for
    correction); excluded entries are left out."""
    rows = session.execute(
        select(TenantEntry.state, TenantEntry.size, TenantEntry.data).where(
            TenantEntry.declaration_id == str(declaration_id)
        )
    ).all()
    counted = [r for r in rows if r.state in (SUBMITTED, REOPENED)]
    small = [r for r in counted if r.size in steps.SMALL_MICRO]

    def ops(r, key):
        return (r.data or {}).get("operations", {}).get(key)

    def int_sum(items, key):
        return sum(int(ops(r, key) or 0) for r in items)

    def dec_sum(items, key):
        return f"{sum((_dec(ops(r, key) or 0) for r in items), Decimal('0')):.2f}"

    count = len(counted)
    area = sum((_dec((r.data or {}).get("base", {}).get("leased_area") or 0) for r in counted), Decimal("0"))
    return {
        "count": count,
        "small_micro_count": len(small),
        "small_micro_share": round(len(small) / count, 4) if count else 0.0,
        "employees": int_sum(counted, "employees"),
        "small_micro_employees": int_sum(small, "employees"),
        "revenue": dec_sum(counted, "revenue"),
        "tax": dec_sum(counted, "tax"),
        "rd_expense": dec_sum(counted, "rd_expense"),
        "financing": dec_sum(counted, "financing"),
        "patents": int_sum(counted, "patents"),
        "software_copyrights": int_sum(counted, "software_copyrights"),
        "leased_area": f"{area:.2f}",
        "pending_correction_count": sum(1 for r in counted if r.state == REOPENED),
        "excluded_count": sum(1 for r in rows if r.state == EXCLUDED),
    }


# --- the tenant's pages (anonymous, by link token) ---------------------------------


def resolve(session, token, config=None, lock=False):
    """The link row a token opens; errors say plainly why it does not."""
    claims = links.read(token, config)
    link = _link(session, claims["declaration_id"], lock=lock)
    if link is None or link.serial != claims["serial"]:
        raise BadState(links.REVOKED_MESSAGE)
    if not link.nonce or link.nonce != claims["nonce"]:
        raise BadState(links.REVOKED_MESSAGE)
    if link.expires_at is not None and links.utc(link.expires_at) <= now():
        raise BadState(links.EXPIRED_MESSAGE)
    return link


def valid_device(device_id):
    """The device id, if well-formed; ValidationFailed otherwise."""
    if not isinstance(device_id, str) or not _DEVICE.match(device_id):
        raise ValidationFailed("设备标识无效，请刷新页面后重试", {})
    return device_id


def _draft(session, declaration_id, device_id, lock=False):
    query = select(IntakeDraft).where(
        IntakeDraft.declaration_id == declaration_id, IntakeDraft.device_id == device_id
    )
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def _completed(data):
    return [s.key for s in steps.STEPS if not s.schema.missing(data.get(s.key, {}))]


def intake_context(session, token, device_id, config=None):
    """What the tenant's page shows: the base, whether intake is open, the form
    description, and this device's draft (a reopened entry first submitted from
    this device comes back as its draft)."""
    link = resolve(session, token, config)
    device_id = valid_device(device_id)
    context = {
        "base_name": link.base_name,
        "intake_open": not is_closed(link),
        "closed_message": CLOSED_MESSAGE if is_closed(link) else None,
        "expires_at": iso(link.expires_at),
        "expires_at_text": beijing(link.expires_at),
        "steps": steps.describe(),
    }
    draft = _draft(session, link.declaration_id, device_id)
    mine = session.execute(
        select(TenantEntry)
        .where(TenantEntry.declaration_id == link.declaration_id, TenantEntry.device_id == device_id)
        .order_by(TenantEntry.submitted_at.desc())
    ).scalars().all()
    if draft is None and not is_closed(link):
        reopened = next((e for e in mine if e.state == REOPENED), None)
        if reopened is not None:
            draft = IntakeDraft(
                declaration_id=link.declaration_id,
                device_id=device_id,
                data=dict(reopened.data),
                entry_id=reopened.id,
                updated_at=now(),
            )
            session.add(draft)
    data = dict(draft.data) if draft else {}
    context.update(
        draft=data,
        completed_steps=_completed(data),
        correcting=bool(draft and draft.entry_id),
        submitted_here=[
            {"company_name": e.company_name, "reference": e.reference, "state": e.state,
             "state_label": ENTRY_STATES.get(e.state, e.state), "submitted_at_text": beijing(e.submitted_at)}
            for e in mine
        ],
    )
    return context


def _duplicate_message(entry):
    return (
        f"该企业（统一社会信用代码 {entry.credit_code}）已于 {beijing(entry.first_submitted_at)} "
        "提交过入驻企业信息，不能重复提交。如需修改，请联系基地运营企业重新开放填报。"
    )


def _existing(session, declaration_id, credit_code, lock=False):
    query = select(TenantEntry).where(
        TenantEntry.declaration_id == declaration_id, TenantEntry.credit_code == credit_code
    )
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def save_step(session, token, step_key, data, device_id, config=None):
    """Check one step (every required field of it) and keep it in the device's
    draft. ValidationFailed with a message per field when it fails."""
    link = resolve(session, token, config)
    if is_closed(link):
        raise BadState(CLOSED_MESSAGE)
    device_id = valid_device(device_id)
    step = steps.step(step_key)
    if step is None:
        raise NotFound("页面不存在")
    if not isinstance(data, dict):
        raise ValidationFailed("填写内容有误，请按提示修改", {})
    clean, errors = step.schema.validate(data, require_all=True)
    draft = _draft(session, link.declaration_id, device_id, lock=True)
    if step.key == "basic" and "credit_code" in clean and "credit_code" not in errors:
        existing = _existing(session, link.declaration_id, clean["credit_code"])
        if existing is not None and existing.state != REOPENED and not (draft and draft.entry_id == existing.id):
            errors["credit_code"] = _duplicate_message(existing)
    if errors:
        raise ValidationFailed("填写内容有误，请按红色提示修改", errors)
    stamp = now()
    if draft is None:
        draft = IntakeDraft(declaration_id=link.declaration_id, device_id=device_id, data={}, updated_at=stamp)
        session.add(draft)
    draft.data = {**(draft.data or {}), step.key: clean}
    draft.updated_at = stamp
    return {"saved": step.key, "next_step": steps.next_step(step.key), "completed_steps": _completed(draft.data)}


def submit(session, token, device_id, dispatch, config=None, notice=None):
    """确认提交: the device's draft becomes the entry of its credit code (or
    corrects a reopened one). A repeated press returns the first result.
    `notice`: the version of the personal-data notice the page showed; the
    entry records it and when."""
    link = resolve(session, token, config, lock="share")
    if is_closed(link):
        raise BadState(CLOSED_MESSAGE)
    device_id = valid_device(device_id)
    draft = _draft(session, link.declaration_id, device_id, lock=True)
    if draft is None:
        recent = session.execute(
            select(TenantEntry)
            .where(TenantEntry.declaration_id == link.declaration_id, TenantEntry.device_id == device_id,
                   TenantEntry.state == SUBMITTED, TenantEntry.submitted_at >= now() - REPEAT_WINDOW)
            .order_by(TenantEntry.submitted_at.desc())
            .limit(1)
        ).scalar_one_or_none()
        if recent is not None:
            return {**_receipt(recent), "repeated": True}
        raise BadState(NO_DRAFT_MESSAGE)
    data, errors = {}, {}
    for s in steps.STEPS:
        clean, step_errors = s.schema.validate(draft.data.get(s.key, {}), require_all=True)
        data[s.key] = clean
        errors.update(step_errors)
    errors.update(steps.cross_check(data))
    if errors:
        first = next(s for s in steps.STEPS if any(k in s.schema.by_key for k in errors))
        raise ValidationFailed(f"请先完成“{first.title}”", errors)
    basic = data["basic"]
    stamp = now()
    entry = _existing(session, link.declaration_id, basic["credit_code"], lock=True)
    if draft.entry_id and (entry is None or entry.id != draft.entry_id):
        # Correcting a reopened entry under a corrected credit code.
        corrected = session.get(TenantEntry, draft.entry_id, with_for_update=True)
        if entry is None and corrected is not None and corrected.state == REOPENED:
            corrected.credit_code = basic["credit_code"]
            entry = corrected
    resubmitted = False
    if entry is None:
        entry = TenantEntry(
            id=str(uuid.uuid4()),
            declaration_id=link.declaration_id,
            credit_code=basic["credit_code"],
            reference="RZ" + uuid.uuid4().hex[:10].upper(),
            submissions=1,
            first_submitted_at=stamp,
        )
        _fill(entry, data, device_id, stamp)
        try:
            with session.begin_nested():
                session.add(entry)
        except IntegrityError:
            existing = _existing(session, link.declaration_id, basic["credit_code"])
            raise Conflict(_duplicate_message(existing) if existing else "该企业已提交过入驻企业信息，不能重复提交")
    elif entry.state == REOPENED:
        _fill(entry, data, device_id, stamp)
        entry.submissions = (entry.submissions or 1) + 1
        entry.excluded_at = None
        entry.excluded_reason = None
        resubmitted = True
    else:
        raise Conflict(_duplicate_message(entry))
    if notice == personal_data.NOTICE_VERSION:
        entry.notice_version, entry.notice_shown_at = notice, stamp
    session.delete(draft)
    dispatch(c.TENANT_SUBMITTED, {"declaration_id": link.declaration_id, "tenant_entry_id": entry.id})
    return {**_receipt(entry), "resubmitted": resubmitted, "repeated": False}


def _fill(entry, data, device_id, stamp):
    entry.company_name = data["basic"]["company_name"]
    entry.size = data["basic"]["size"]
    entry.state = SUBMITTED
    entry.data = data
    entry.device_id = device_id
    entry.submitted_at = stamp
    entry.updated_at = stamp


def _receipt(entry):
    return {
        "entry_id": entry.id,
        "reference": entry.reference,
        "company_name": entry.company_name,
        "credit_code": entry.credit_code,
        "submitted_at": iso(entry.submitted_at),
        "submitted_at_text": beijing(entry.submitted_at),
    }
