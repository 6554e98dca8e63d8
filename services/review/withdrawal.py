"""撤回: the enterprise takes back its declaration while it waits at a
level and no reviewer there has acted on it since it arrived (no decision,
no note). The move is the same conditional UPDATE as a reviewer's decision,
with `acted_at IS NULL` added: a reviewer's 通过 or note and a 撤回 at the
same moment, exactly one wins; the other is told why."""
from services.common import contracts
from services.common.errors import Conflict, Forbidden, NotFound
from services.review import labels, scope
from services.review.models import ReviewCase
from services.review.moves import announce, move, revision_number, state_label
from services.review.rows import action_row

ACTED = "审核人员已开始审核该申报，不能撤回"


def owned_case(session, principal, declaration_id):
    """The case of the calling enterprise's own declaration; any other is
    reported as not found."""
    if principal is None or principal.kind != contracts.ENTERPRISE:
        raise Forbidden("只有申报企业可以撤回申报")
    case = session.get(ReviewCase, str(declaration_id))
    if case is None or case.enterprise_id != str(principal.id):
        raise NotFound("未找到该申报，或申报尚未进入审核")
    return case


def why_not(case):
    """None when 撤回 is possible now, else the reason in the enterprise's words."""
    if case.state not in scope.PENDING_STATES:
        return f"该申报当前为“{state_label(case.state)}”，不能撤回"
    if case.acted_at is not None:
        return ACTED
    return None


def can_withdraw(session, principal, declaration_id):
    """{can, reason, revision, state, state_label} for the portal's 撤回 button."""
    case = owned_case(session, principal, declaration_id)
    reason = why_not(case)
    return {"can": reason is None, "reason": reason or "", "revision": case.revision,
            "state": case.state, "state_label": state_label(case.state)}


def withdraw(tx, principal, declaration_id, expected_revision):
    """撤回 at the revision the enterprise saw; the declaration goes back to
    it (state withdrawn) and DECLARATION_WITHDRAWN tells declarations."""
    expected_revision = revision_number(expected_revision)
    case = owned_case(tx.session, principal, declaration_id)
    reason = why_not(case)
    if reason is None and case.revision != expected_revision:
        reason = "申报的审核状态已更新，请刷新页面后查看"
    if reason:
        raise Conflict(reason)
    level, version = case.level, case.version
    try:
        record = move(tx, principal, case, expected_revision, labels.WITHDRAW, None,
                      contracts.WITHDRAWN, None, extra={"returned_version": version},
                      only_if=(ReviewCase.acted_at.is_(None),))
    except Conflict:
        tx.session.refresh(case)
        raise Conflict(why_not(case) or "申报的审核状态已更新，请刷新页面后查看")
    announce(tx, record, contracts.DECLARATION_WITHDRAWN, {
        "declaration_id": case.declaration_id, "enterprise_id": case.enterprise_id,
        "level": level, "version": version,
    })
    return action_row(record)
