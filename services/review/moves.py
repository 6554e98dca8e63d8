"""How an action moves a case: the checks every action shares, the
conditional UPDATE on the revision the actor saw (two actors at once:
exactly one succeeds, the other gets `Conflict`), the audit record, the
operation log and the event, all in the worker's transaction."""
from sqlalchemy import update

from services.common import clock, operation_log
from services.common import contracts
from services.common.errors import BadState, Conflict, Forbidden, ValidationFailed
from services.review import labels, scope
from services.review.models import ReviewAction, ReviewCase

REASON_MAX = 2000


def state_label(state):
    return contracts.STATE_LABELS.get(state, state)


def reason_text(reason, required, label):
    text = (reason or "").strip() if isinstance(reason, str) else ""
    if required and not text:
        raise ValidationFailed(f"请填写{label}", {"reason": f"请填写{label}"})
    if len(text) > REASON_MAX:
        message = f"{label}不能超过{REASON_MAX}字"
        raise ValidationFailed(message, {"reason": message})
    return text or None


def section_keys(sections):
    sections = list(sections or [])
    if any(s not in contracts.SECTIONS for s in sections):
        raise ValidationFailed("退回的部分不正确", {"sections": "请从申报的各部分中选择"})
    return [key for key in contracts.SECTIONS if key in sections]  # the sections' own order


def revision_number(expected_revision):
    try:
        return int(expected_revision)
    except (TypeError, ValueError):
        raise ValidationFailed("缺少审核页面的版本信息，请刷新后重试", {"revision": "请刷新后重试"})


def moved(case):
    return Conflict(f"该申报已被处理或已更新（当前状态：{state_label(case.state)}），请刷新页面后查看")


def target(case):
    """How the logs name a case: the base and its 申报编号."""
    reference = (case.summary or {}).get("reference")
    return f"{case.base_name or ''}（{reference}）" if reference else (case.base_name or case.declaration_id)


def case_for_action(tx, principal, declaration_id, expected_revision):
    case = scope.visible_case(tx.session, principal, declaration_id)
    if case.revision != expected_revision:
        raise moved(case)
    return case


def require_review(principal, case):
    if not principal.is_reviewer:
        raise Forbidden("只有本级审核人员可以审核该申报")
    if not scope.can_review(principal, case):
        raise BadState(f"该申报当前为“{state_label(case.state)}”，不在您的审核环节")


def _log(tx, principal, case, action, to_state, reason, sections, now):
    log_action = {labels.APPROVE: "review.recognise", labels.ADVANCE: "review.approve"}.get(
        action, f"review.{action}")
    after = {"状态": state_label(to_state)}
    if reason:
        after["意见"] = reason
    if sections:
        after["退回部分"] = "、".join(contracts.SECTIONS.get(s, s) for s in sections)
    operation_log.record(tx.session, principal, log_action, target(case), case.declaration_id,
                         before={"状态": state_label(case.state)}, after=after, now=now)


def move(tx, principal, case, expected_revision, action, acting_level, to_state, to_level,
         reason=None, sections=None, extra=None, only_if=()):
    """The conditional UPDATE and the audit record; returns the audit row,
    its `sequence` the case's revision after the move. `extra`: more
    columns to set; `only_if`: more conditions the row must still meet."""
    now = clock.utcnow()
    values = dict(state=to_state, level=to_level, revision=ReviewCase.revision + 1, updated_at=now,
                  acted_at=None, **(extra or {}))  # arriving anywhere, nobody there has acted yet
    if to_state == contracts.RETURNED:
        values["returned_version"] = case.version
    result = tx.session.execute(
        update(ReviewCase)
        .where(ReviewCase.declaration_id == case.declaration_id, ReviewCase.revision == expected_revision,
               ReviewCase.state == case.state, ReviewCase.version == case.version, *only_if)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        tx.session.expire(case)
        raise moved(case)
    record = ReviewAction(
        declaration_id=case.declaration_id, version=case.version, action=action, level=acting_level,
        actor_kind=principal.kind, actor_id=str(principal.id), actor_region=principal.region_code,
        from_state=case.state, to_state=to_state, reason=reason, sections=sections, created_at=now,
    )
    tx.session.add(record)
    tx.session.flush()
    _log(tx, principal, case, action, to_state, reason, sections, now)
    tx.session.expire(case)
    record.sequence = expected_revision + 1
    return record


def announce(tx, record, event_type, data):
    """The review event of a move, with the case's revision as its sequence
    and the state after the move (declarations and tenants order by it)."""
    data = dict(data, from_state=record.from_state)
    tx.dispatch(event_type, data, sequence=record.sequence, state=record.to_state)
