"""What the pages show of declarations: the enterprise's list, one
declaration with its sections' states ("n/m 项必填"), and its history."""
from sqlalchemy import select

from services.common import contracts
from services.common.clock import iso, show, utcnow
from services.declarations import lifecycle, prefill, recognition, sections
from services.declarations.access import readable
from services.declarations.batches import batch_dict
from services.declarations.contents import attachments_of, section_values, with_defaults
from services.declarations.models import Batch, Declaration, SectionData, Transition


def time_left(until, now):
    """What remains until `until`, in the words the data page shows."""
    seconds = int((until - now).total_seconds())
    if seconds < 0:
        return "已截止"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} 天 {hours} 小时"
    if hours:
        return f"{hours} 小时 {rest // 60} 分钟"
    return f"{max(rest // 60, 1)} 分钟"


def deadline_dict(declaration, batch, now=None):
    """The deadline the data page shows (Beijing time) and whether it has
    passed: {deadline, deadline_label, deadline_text, time_left, closed,
    closed_message}; all empty when the state allows no change anyway."""
    now = now or utcnow()
    until = lifecycle.deadline(declaration, batch)
    if until is None:
        return {"deadline": None, "deadline_label": "", "deadline_text": "", "time_left": "",
                "closed": False, "closed_message": ""}
    closed = not lifecycle.editable(declaration, batch, now)
    return {
        "deadline": iso(until),
        "deadline_label": "补正截止" if declaration.state in lifecycle.BACK_FROM_REVIEW else "截止时间",
        "deadline_text": show(until),
        "time_left": time_left(until, now),
        "closed": closed,
        "closed_message": lifecycle.late_message(declaration, batch) if closed else "",
    }


def summary_dict(declaration, batch=None, now=None):
    out = dict(recognition.details(declaration), **{
        "id": declaration.id,
        "batch_id": declaration.batch_id,
        "batch_name": batch.name if batch else None,
        "enterprise_id": declaration.enterprise_id,
        "state": declaration.state,
        "state_label": contracts.STATE_LABELS[declaration.state],
        "editable": lifecycle.editable(declaration, batch, now),
        "region_code": declaration.region_code,
        "reference": declaration.reference,
        "version": declaration.version,
        "level": declaration.level,
        "updated_at": iso(declaration.updated_at),
        "submitted_at": iso(declaration.submitted_at),
        "created_at": iso(declaration.created_at),
    })
    out.update(deadline_dict(declaration, batch, now))
    return out


def history_of(session, declaration_id):
    rows = session.execute(
        select(Transition).where(Transition.declaration_id == declaration_id).order_by(Transition.at, Transition.id)
    ).scalars()
    return [
        {
            "from_state": t.from_state, "to_state": t.to_state,
            "to_label": contracts.STATE_LABELS.get(t.to_state, t.to_state),
            "at": iso(t.at), "actor_kind": t.actor_kind, "actor_id": t.actor_id,
            "level": t.level, "reason": t.reason, "version": t.version,
        }
        for t in rows
    ]


def _application_state(key, saved, values):
    required = [field for field in sections.APPLICATION_SCHEMA if field.required]
    filled = [field for field in required if values.get(field.key) not in (None, "")]
    progress = f"{len(filled)}/{len(required)} 项必填"
    if key not in saved:
        return sections.NOT_STARTED, progress
    if len(filled) < len(required):
        return sections.IN_PROGRESS, progress
    return sections.COMPLETED, progress


def _attachments_state(attachments, batch):
    have = {attachment["category"] for attachment in attachments}
    missing = [category for category in (batch.required_attachments or []) if category not in have]
    progress = f"{len(attachments)} 个文件"
    if not attachments:
        return sections.NOT_STARTED, progress
    return (sections.IN_PROGRESS if missing else sections.COMPLETED), progress


def _state_and_progress(key, saved, data, attachments, batch):
    if key == sections.APPLICATION:
        return _application_state(key, saved, data[key])
    if key in sections.LIST_SECTIONS:
        rows = data[key]
        return (sections.COMPLETED if rows else sections.NOT_STARTED), f"{len(rows)} 条"
    if key == sections.ATTACHMENTS:
        return _attachments_state(attachments, batch)
    return None, ""  # tenants: filled by the tenants themselves


def section_states(declaration, saved, data, attachments, batch):
    """{section: {state, label, progress}} for the main data page."""
    returned = set(declaration.return_sections or []) if declaration.state == contracts.RETURNED else set()
    problem_sections = {p["section"] for p in (declaration.problems or []) if p.get("blocking")}
    out = {}
    for key in sections.ORDER:
        state, progress = _state_and_progress(key, saved, data, attachments, batch)
        changed_since_return = (key in saved and declaration.returned_at
                                and saved[key].updated_at > declaration.returned_at)
        if state is not None and ((key in returned and not changed_since_return) or key in problem_sections):
            state = sections.HAS_PROBLEMS
        out[key] = {"state": state, "label": sections.STATE_LABELS.get(state, ""), "progress": progress}
    return out


def declaration_dict(session, declaration):
    batch = session.get(Batch, declaration.batch_id)
    saved = section_values(session, declaration.id)
    data = with_defaults(saved)
    attachments = attachments_of(session, declaration.id)
    out = summary_dict(declaration, batch)
    out.update(
        batch=batch_dict(batch),
        sections=data,
        section_states=section_states(declaration, saved, data, attachments, batch),
        attachments=attachments,
        history=history_of(session, declaration.id),
        return_level=declaration.return_level,
        return_reason=declaration.return_reason,
        return_sections=list(declaration.return_sections or []),
        returned_at=iso(declaration.returned_at),
        problems=list(declaration.problems or []),
        accepted_at=iso(declaration.accepted_at),
        resubmit_until=iso(batch.resubmit_until),
        carried_over=prefill.carried(session, declaration.id),
        carried_notice=prefill.NOTICE,
    )
    for key in out["carried_over"]:
        out["section_states"][key]["label"] = prefill.STATE_LABEL
    return out


def list_mine(session, principal):
    principal.require(contracts.ENTERPRISE)
    rows = session.execute(
        select(Declaration, Batch)
        .join(Batch, Batch.id == Declaration.batch_id)
        .where(Declaration.enterprise_id == str(principal.id))
        .order_by(Declaration.created_at.desc())
    ).all()
    return [summary_dict(declaration, batch) for declaration, batch in rows]


def get(session, principal, declaration_id):
    """One declaration as its pages show it; a draft whose 申请表 was never
    saved shows what 开始申报 prefilled (shown, not saved yet)."""
    declaration = readable(session, principal, declaration_id)
    out = declaration_dict(session, declaration)
    if declaration.state in lifecycle.EDITABLE and sections.APPLICATION not in section_values(session, declaration.id):
        profile = session.get(SectionData, (declaration.id, "_prefill"))
        out["sections"][sections.APPLICATION] = dict(profile.data) if profile else {}
        out["prefilled"] = sorted(profile.data) if profile else []
    return out


def history(session, principal, declaration_id):
    declaration = readable(session, principal, declaration_id)
    return history_of(session, declaration.id)
