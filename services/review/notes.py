"""Dated notes of the province level on its offline steps (形式审查 …)."""
import datetime as dt

from services.common import clock, operation_log
from services.common.errors import BadState, ValidationFailed
from services.review import labels, scope
from services.review.models import ReviewNote
from services.review.moves import target
from services.review.rows import note_row

NOTE_MAX = 2000


def _checked(step, noted_on, text):
    """(step, day, text) as typed, or ValidationFailed naming each field."""
    errors = {}
    if step not in labels.NOTE_STEPS:
        errors["step"] = "请选择审核环节"
    day = None
    try:
        day = dt.date.fromisoformat(str(noted_on or "").strip())
    except ValueError:
        errors["noted_on"] = "请填写日期（例如 2026-05-01）"
    if day is not None and day > clock.beijing_today():
        errors["noted_on"] = "日期不能晚于今天"
    body = (text or "").strip() if isinstance(text, str) else ""
    if not body:
        errors["text"] = "请填写记录内容"
    elif len(body) > NOTE_MAX:
        errors["text"] = f"记录内容不能超过{NOTE_MAX}字"
    if errors:
        raise ValidationFailed("填写内容有误，请按提示修改", errors)
    return step, day, body


def add_note(tx, principal, declaration_id, step, noted_on, text):
    """A dated note on an offline step of the province level, before 认定."""
    step, day, body = _checked(step, noted_on, text)
    case = scope.visible_case(tx.session, principal, declaration_id)
    if not scope.can_note(principal, case):
        raise BadState("只有省级审核人员可以在认定前记录审核环节")
    note = ReviewNote(
        declaration_id=case.declaration_id, version=case.version, step=step, noted_on=day,
        text=body, actor_kind=principal.kind, actor_id=str(principal.id), created_at=clock.utcnow(),
    )
    tx.session.add(note)
    tx.session.flush()
    operation_log.record(tx.session, principal, "review.note", target(case), case.declaration_id,
                         after={"环节": labels.NOTE_STEPS[step], "日期": day.isoformat(), "记录": body[:200]})
    return note_row(note)
