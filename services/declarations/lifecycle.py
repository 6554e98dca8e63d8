"""The declaration's state machine (docs/states.md): which moves are allowed, and
every move recorded with time, actor, level and reason; until when the
enterprise may change it (a draft until the batch closes, a returned or
withdrawn declaration until the batch's 补正截止)."""
from services.common import contracts
from services.common.clock import show, utc, utcnow
from services.common.errors import BadState
from services.declarations.models import Batch, Transition

# back in the enterprise's hands after review had it: 退回 by a reviewer, 撤回 by the enterprise
BACK_FROM_REVIEW = (contracts.RETURNED, contracts.WITHDRAWN)
EDITABLE = (contracts.DRAFT,) + BACK_FROM_REVIEW
PENDING = (contracts.PENDING_COUNTY, contracts.PENDING_CITY, contracts.PENDING_PROVINCE)
# still in review's hands after the province's 通过 (公示 before 认定)
PUBLICITY = (contracts.PENDING_PUBLICITY, contracts.IN_PUBLICITY)
FINAL = (contracts.APPROVED, contracts.REJECTED)

ALLOWED = {
    contracts.DRAFT: {contracts.PENDING_COUNTY},
    contracts.RETURNED: {contracts.PENDING_COUNTY, contracts.PENDING_CITY, contracts.PENDING_PROVINCE},
    contracts.WITHDRAWN: {contracts.PENDING_COUNTY, contracts.PENDING_CITY, contracts.PENDING_PROVINCE},
    contracts.PENDING_COUNTY: {contracts.PENDING_CITY, contracts.RETURNED, contracts.REJECTED},
    contracts.PENDING_CITY: {contracts.PENDING_PROVINCE, contracts.RETURNED, contracts.REJECTED},
    contracts.PENDING_PROVINCE: {contracts.APPROVED, contracts.RETURNED, contracts.REJECTED,
                                 contracts.PENDING_PUBLICITY},
    contracts.PENDING_PUBLICITY: {contracts.IN_PUBLICITY, contracts.RETURNED, contracts.REJECTED},
    contracts.IN_PUBLICITY: {contracts.APPROVED, contracts.RETURNED, contracts.REJECTED},
    contracts.APPROVED: set(),
    contracts.REJECTED: set(),
}

LEVEL_OF_PENDING = {state: level for level, state in contracts.PENDING_STATE_OF_LEVEL.items()}


def can_move(from_state, to_state):
    return to_state in ALLOWED.get(from_state, set())


def refuse_edit_message(state):
    label = contracts.STATE_LABELS.get(state, state)
    return f"申报当前状态为“{label}”，不能修改；只有填报中、被退回或已撤回的申报可以修改"


def require_editable(declaration):
    if declaration.state not in EDITABLE:
        raise BadState(refuse_edit_message(declaration.state))


LATE_MESSAGE = "已超过本批次的补正截止时间，不能再修改或提交"
CLOSED_MESSAGE = "本批次已截止，不能再修改或提交"


def deadline(declaration, batch):
    """Until when the enterprise may change and submit the declaration: the
    batch's close for a draft, its 补正截止 once review had it; None when
    its state allows no change at all."""
    if batch is None or declaration.state not in EDITABLE:
        return None
    if declaration.state in BACK_FROM_REVIEW:
        return utc(batch.resubmit_until)
    return utc(batch.closes_at)


def editable(declaration, batch, now=None):
    """The state allows changes and the deadline has not passed."""
    if declaration.state not in EDITABLE:
        return False
    until = deadline(declaration, batch)
    return until is None or (now or utcnow()) <= until


def late_message(declaration, batch):
    """Why a declaration whose state allows changes is closed, with the time."""
    until = show(deadline(declaration, batch))
    if declaration.state in BACK_FROM_REVIEW:
        return f"{LATE_MESSAGE}（补正截止：{until}）"
    return f"{CLOSED_MESSAGE}（截止时间：{until}）"


def require_editable_in_time(session, declaration, now=None):
    """The state allows changes, and so does the deadline (`deadline`)."""
    require_editable(declaration)
    batch = session.get(Batch, declaration.batch_id)
    if not editable(declaration, batch, now):
        raise BadState(late_message(declaration, batch))


def is_resubmission(declaration):
    """A 提交 after 退回 or 撤回 (review reopens the case it holds)."""
    return declaration.state in BACK_FROM_REVIEW


def move(session, declaration, to_state, actor, at, reason=None, level=None):
    """Move the declaration to `to_state` and record it; BadState when the
    state machine does not allow it."""
    if not can_move(declaration.state, to_state):
        raise BadState(
            f"申报当前状态为“{contracts.STATE_LABELS.get(declaration.state, declaration.state)}”，"
            f"不能变为“{contracts.STATE_LABELS.get(to_state, to_state)}”"
        )
    session.add(
        Transition(
            declaration_id=declaration.id,
            from_state=declaration.state,
            to_state=to_state,
            at=at,
            actor_kind=actor.kind,
            actor_id=str(actor.id),
            level=level,
            reason=reason,
            version=declaration.version,
        )
    )
    declaration.state = to_state
    declaration.level = LEVEL_OF_PENDING.get(to_state)
    declaration.updated_at = at


def record(session, declaration, from_state, to_state, actor, at, reason=None, level=None,
           review_sequence=None, version=None):
    """A row of the history 查看 shows (without changing the state)."""
    session.add(
        Transition(
            declaration_id=declaration.id,
            from_state=from_state,
            to_state=to_state,
            at=at,
            actor_kind=actor.kind,
            actor_id=str(actor.id),
            level=level,
            reason=reason,
            version=declaration.version if version is None else version,
            review_sequence=review_sequence,
        )
    )


def apply_review_state(session, declaration, to_state, actor, at, sequence, reason=None, level=None,
                       from_state=None):
    """Take the state review holds, as of review's `sequence`, whatever the
    state the declaration is in here: review owns the review state, and an
    event newer than the one applied last is the truth (docs/events.md: events
    arrive in any order). The caller checked that `sequence` is newer."""
    record(session, declaration, from_state or declaration.state, to_state, actor, at, reason, level, sequence)
    declaration.state = to_state
    declaration.level = LEVEL_OF_PENDING.get(to_state)
    declaration.review_sequence = sequence
    declaration.updated_at = at


def resubmission_level(declaration, region_code=None, submitted_region=None):
    """Where a submission goes: the county at first; after a return, the level
    that returned it (after 撤回, the level it was withdrawn from), or the
    county again after an admin's return or when the 注册地区 now names
    another region than the one last submitted to (its county has never seen
    the declaration)."""
    region_changed = bool(submitted_region) and region_code != submitted_region
    if is_resubmission(declaration) and declaration.return_level in contracts.LEVELS and not region_changed:
        return declaration.return_level
    return contracts.COUNTY
