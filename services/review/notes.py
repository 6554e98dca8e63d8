"""Dated notes of the province level: its offline steps (形式审查 …) while
the case waits for it, the objections (异议) received during a 公示.

A note is an act of the level where the case waits: it marks the case
(`acted_at`) with an UPDATE on the row, so a 撤回 at the same moment either
comes first (and the note is refused) or finds the mark (and is refused).
"""
import datetime as dt

from sqlalchemy import update

from services.common import clock, operation_log
from services.common.errors import BadState, ValidationFailed
from services.review import labels, scope
from services.review.models import ReviewCase, ReviewNote
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


def steps_now(case):
    """[[key, label]] of the steps a note may record in the case's state."""
    return [[key, labels.NOTE_STEPS[key]] for key in labels.NOTE_STEPS_OF_STATE.get(case.state, ())]


def _mark_acted(tx, case, now):
    """The case's `acted_at`, if it still waits where it did; BadState if
    it has moved (a 撤回 or a decision came first)."""
    result = tx.session.execute(
        update(ReviewCase)
        .where(ReviewCase.declaration_id == case.declaration_id, ReviewCase.state == case.state,
               ReviewCase.version == case.version)
        .values(acted_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise BadState("该申报已被撤回或处理，请刷新页面后查看")


def add_note(tx, principal, declaration_id, step, noted_on, text):
    """A dated note on an offline step of the province level, before 认定,
    or an objection during the case's 公示."""
    step, day, body = _checked(step, noted_on, text)
    case = scope.visible_case(tx.session, principal, declaration_id)
    if not scope.can_note(principal, case):
        raise BadState("只有省级审核人员可以在认定前记录审核环节")
    if step not in labels.NOTE_STEPS_OF_STATE[case.state]:
        allowed = "、".join(label for _, label in steps_now(case))
        raise ValidationFailed("填写内容有误，请按提示修改", {"step": f"当前只能记录：{allowed}"})
    _mark_acted(tx, case, clock.utcnow())
    note = ReviewNote(
        declaration_id=case.declaration_id, version=case.version, step=step, noted_on=day,
        text=body, actor_kind=principal.kind, actor_id=str(principal.id), created_at=clock.utcnow(),
    )
    tx.session.add(note)
    tx.session.flush()
    operation_log.record(tx.session, principal, "review.note", target(case), case.declaration_id,
                         after={"环节": labels.NOTE_STEPS[step], "日期": day.isoformat(), "记录": body[:200]})
    return note_row(note)
