"""The tenant entries of a declaration as its owner and its reviewers see
them: the list, one entry with its answers, exclude with a reason, reopen for
correction."""
from sqlalchemy import select

from services.common import clock
from services.common.errors import BadState, NotFound, ValidationFailed
from services.tenants import access, steps
from services.tenants.models import ENTRY_STATES, EXCLUDED, REOPENED, TenantEntry

LOCKED_MESSAGE = "申报已提交，入驻企业信息暂不能修改；申报被退回或提交未通过检查后可再修改。"
MAX_REASON = 500


def summary(entry):
    operations = (entry.data or {}).get("operations", {})
    return {
        "id": entry.id,
        "reference": entry.reference,
        "company_name": entry.company_name,
        "credit_code": entry.credit_code,
        "size": entry.size,
        "state": entry.state,
        "state_label": ENTRY_STATES.get(entry.state, entry.state),
        "submitted_at": clock.iso(entry.submitted_at),
        "submitted_at_text": clock.show(entry.submitted_at),
        "first_submitted_at": clock.iso(entry.first_submitted_at),
        "submissions": entry.submissions,
        "employees": operations.get("employees"),
        "revenue": operations.get("revenue"),
        "excluded_reason": entry.excluded_reason,
        "excluded_at": clock.iso(entry.excluded_at),
        "reopened_at": clock.iso(entry.reopened_at),
        "notice_version": entry.notice_version,
        "notice_shown_at": clock.iso(entry.notice_shown_at),
    }


def answers(data):
    """The filled values by step, labelled, for summaries and exports."""
    out = []
    for step in steps.STEPS:
        values = (data or {}).get(step.key, {})
        items = []
        for field in step.schema:
            value = values.get(field.key)
            if isinstance(value, list):
                text = "、".join(value) if value else "无"
            elif value is None or value == "":
                text = ""
            else:
                unit = getattr(field, "unit", "")
                text = f"{value}{(' ' + unit) if unit else ''}"
            items.append({"key": field.key, "label": field.label, "value": value, "text": text})
        out.append({"key": step.key, "title": step.title, "items": items})
    return out


def list_entries(session, principal, declaration_id, details=False):
    """The entries in the order they first came in; `details` adds each one's
    filled values (for exports)."""
    access.readable_link(session, principal, declaration_id)
    rows = session.execute(
        select(TenantEntry)
        .where(TenantEntry.declaration_id == str(declaration_id))
        .order_by(TenantEntry.first_submitted_at, TenantEntry.id)
    ).scalars()
    if details:
        return [{**summary(entry), "data": entry.data} for entry in rows]
    return [summary(entry) for entry in rows]


def find_entry(session, declaration_id, entry_id, lock=False):
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
    access.readable_link(session, principal, declaration_id)
    entry = find_entry(session, declaration_id, entry_id)
    return {**summary(entry), "data": entry.data, "answers": answers(entry.data)}


def exclude_entry(session, principal, declaration_id, entry_id, reason):
    link = access.owned_link(session, principal, declaration_id)
    if access.is_closed(link):
        raise BadState(LOCKED_MESSAGE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写排除原因", {"reason": "请填写排除原因"})
    if len(reason) > MAX_REASON:
        raise ValidationFailed("排除原因过长", {"reason": f"不能超过{MAX_REASON}字（当前{len(reason)}字）"})
    entry = find_entry(session, declaration_id, entry_id, lock=True)
    if entry.state == EXCLUDED:
        raise BadState("该入驻企业已被排除")
    stamp = clock.utcnow()
    entry.state = EXCLUDED
    entry.excluded_reason = reason
    entry.excluded_at = stamp
    entry.updated_at = stamp
    return summary(entry)


def reopen_entry(session, principal, declaration_id, entry_id):
    """Let the tenant correct an entry through the link (and count an excluded
    one again once it is resubmitted)."""
    link = access.owned_link(session, principal, declaration_id)
    if access.is_closed(link):
        raise BadState(LOCKED_MESSAGE)
    entry = find_entry(session, declaration_id, entry_id, lock=True)
    if entry.state == REOPENED:
        return summary(entry)
    stamp = clock.utcnow()
    entry.state = REOPENED
    entry.reopened_at = stamp
    entry.updated_at = stamp
    return summary(entry)


def duplicate_message(entry):
    return (
        f"该企业（统一社会信用代码 {entry.credit_code}）已于 {clock.show(entry.first_submitted_at)} "
        "提交过入驻企业信息，不能重复提交。如需修改，请联系基地运营企业重新开放填报。"
    )


def by_credit_code(session, declaration_id, credit_code, lock=False):
    """The declaration's entry of a credit code (one at most), or None."""
    query = select(TenantEntry).where(
        TenantEntry.declaration_id == declaration_id, TenantEntry.credit_code == credit_code
    )
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()
