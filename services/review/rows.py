"""What the review RPCs answer of a case, an audit record and a note."""
from services.common import clock, regions
from services.common import contracts
from services.review import labels


def figures(summary):
    """[[label, value], …] of the summary's key figures that it holds."""
    summary = summary or {}
    return [[label, summary[key]] for key, label in labels.KEY_FIGURES if summary.get(key) not in (None, "")]


def case_row(case):
    summary = case.summary or {}
    return {
        "declaration_id": case.declaration_id,
        "enterprise_id": case.enterprise_id,
        "batch_id": case.batch_id,
        "batch_name": case.batch_name,
        "base_name": case.base_name,
        "enterprise_name": case.enterprise_name,
        "credit_code": case.credit_code,
        "reference": summary.get("reference"),
        "contact": summary.get("contact"),
        "contact_mobile": summary.get("contact_mobile"),
        "region_code": case.region_code,
        "region_name": regions.full_name(case.region_code) or case.region_code,
        "state": case.state,
        "state_label": contracts.STATE_LABELS.get(case.state, case.state),
        "level": case.level,
        "version": case.version,
        "revision": case.revision,
        "resubmission": bool(case.resubmission),
        "returned_version": case.returned_version,
        "submitted_at": clock.iso(case.submitted_at),
        "first_submitted_at": clock.iso(case.first_submitted_at),
        "figures": figures(case.summary),
    }


def action_row(action):
    return {
        "id": action.id,
        "version": action.version,
        "action": action.action,
        "action_label": labels.ACTION_LABELS.get(action.action, action.action),
        "level": action.level,
        "level_label": labels.LEVEL_LABELS.get(action.level, "") if action.level else "",
        "actor_kind": action.actor_kind,
        "actor_id": action.actor_id,
        "actor_region": action.actor_region,
        "actor_region_name": regions.full_name(action.actor_region) if action.actor_region else None,
        "from_state": action.from_state,
        "to_state": action.to_state,
        "to_state_label": contracts.STATE_LABELS.get(action.to_state, action.to_state),
        "reason": action.reason,
        "sections": action.sections or [],
        "section_labels": [contracts.SECTIONS.get(s, s) for s in (action.sections or [])],
        "created_at": clock.iso(action.created_at),
    }


def note_row(note):
    return {
        "id": note.id,
        "version": note.version,
        "step": note.step,
        "step_label": labels.NOTE_STEPS.get(note.step) or labels.RETIRED_NOTE_STEPS.get(note.step, note.step),
        "noted_on": note.noted_on.isoformat(),
        "text": note.text,
        "actor_kind": note.actor_kind,
        "actor_id": note.actor_id,
        "created_at": clock.iso(note.created_at),
    }
