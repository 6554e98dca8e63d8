"""The reviewers' and admins' decisions: 通过 (认定 at province level, see
services.review.recognition),
退回, 不通过, 管理员退回. Each checks the principal's scope and moves the case
(services.review.moves)."""
from services.common import contracts
from services.common.errors import BadState, Forbidden
from services.review import labels, recognition, scope
from services.review.moves import (announce, case_for_action, move, reason_text, require_review,
                                   revision_number, section_keys, state_label)
from services.review.rows import action_row


def approve(tx, principal, declaration_id, expected_revision, opinion=None, document_number=None):
    """通过: to the next level; at province level to 待公示 when the batch
    requires a 公示, else (and after the 公示 period) 认定, which needs the
    batch's 认定文号."""
    expected_revision = revision_number(expected_revision)
    opinion = reason_text(opinion, False, "审核意见")
    case = case_for_action(tx, principal, declaration_id, expected_revision)
    require_review(principal, case)
    level = principal.level
    recognition.refuse_early(tx.session, case)
    if recognition.final_now(case):
        return action_row(recognition.recognise(tx, principal, case, expected_revision, opinion, document_number))
    version, declaration_id = case.version, case.declaration_id
    new_level = labels.NEXT_LEVEL.get(level, level)
    to_state = (contracts.PENDING_STATE_OF_LEVEL[new_level] if level in labels.NEXT_LEVEL
                else contracts.PENDING_PUBLICITY)
    record = move(tx, principal, case, expected_revision, labels.ADVANCE, level, to_state, new_level,
                  reason=opinion)
    announce(tx, record, contracts.DECLARATION_ADVANCED,
             {"declaration_id": declaration_id, "level": new_level, "version": version})
    return action_row(record)


def return_for_changes(tx, principal, declaration_id, expected_revision, reason, sections=()):
    """退回: a reason is required; the sections concerned may be marked."""
    expected_revision = revision_number(expected_revision)
    reason = reason_text(reason, True, "退回原因")
    sections = section_keys(sections)
    case = case_for_action(tx, principal, declaration_id, expected_revision)
    require_review(principal, case)
    version, enterprise_id, declaration_id = case.version, case.enterprise_id, case.declaration_id
    record = move(tx, principal, case, expected_revision, labels.RETURN, principal.level,
                  contracts.RETURNED, None, reason=reason, sections=sections)
    announce(tx, record, contracts.DECLARATION_RETURNED, {
        "declaration_id": declaration_id, "enterprise_id": enterprise_id,
        "level": principal.level, "reason": reason, "sections": sections, "version": version,
    })
    return action_row(record)


def reject(tx, principal, declaration_id, expected_revision, reason):
    """不通过: a reason is required; the declaration is closed."""
    expected_revision = revision_number(expected_revision)
    reason = reason_text(reason, True, "不通过原因")
    case = case_for_action(tx, principal, declaration_id, expected_revision)
    require_review(principal, case)
    version, enterprise_id, declaration_id = case.version, case.enterprise_id, case.declaration_id
    record = move(tx, principal, case, expected_revision, labels.REJECT, principal.level,
                  contracts.REJECTED, None, reason=reason)
    announce(tx, record, contracts.DECLARATION_REJECTED, {
        "declaration_id": declaration_id, "enterprise_id": enterprise_id,
        "level": principal.level, "reason": reason, "version": version,
    })
    return action_row(record)


def admin_return(tx, principal, declaration_id, expected_revision, reason, sections=()):
    """An admin returns any submitted declaration (FAQ 2.7: wrong region);
    its resubmission starts again at the county level."""
    if not principal.is_admin:
        raise Forbidden("只有管理员可以执行管理员退回")
    expected_revision = revision_number(expected_revision)
    reason = reason_text(reason, True, "退回原因")
    sections = section_keys(sections)
    case = case_for_action(tx, principal, declaration_id, expected_revision)
    if not scope.can_admin_return(principal, case):
        raise BadState(f"该申报当前为“{state_label(case.state)}”，不能退回")
    version, enterprise_id, declaration_id = case.version, case.enterprise_id, case.declaration_id
    record = move(tx, principal, case, expected_revision, labels.ADMIN_RETURN, contracts.ADMIN_RETURN_LEVEL,
                  contracts.RETURNED, None, reason=reason, sections=sections)
    announce(tx, record, contracts.DECLARATION_RETURNED, {
        "declaration_id": declaration_id, "enterprise_id": enterprise_id,
        "level": contracts.ADMIN_RETURN_LEVEL, "reason": reason, "sections": sections, "version": version,
    })
    return action_row(record)
