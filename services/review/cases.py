"""Review cases: the read model fed by `declaration_submitted`, and the
actions of reviewers and admins on it.

Each action checks the scope of the verified principal, moves the case with a
conditional UPDATE on the revision the reviewer saw (two reviewers acting at
once: exactly one succeeds, the other gets `Conflict`), writes an audit
record and records its event in the outbox, all in the worker's transaction.
"""
import datetime as dt

from sqlalchemy import func, select, update

from services.common import contracts as c
from services.common import operation_log, regions
from services.common.fields import search_term
from services.common.errors import BadState, Conflict, Forbidden, ValidationFailed
from services.review import labels as lb
from services.review import scope
from services.review.models import ReviewAction, ReviewCase, ReviewNote

REASON_MAX = 2000
NOTE_MAX = 2000


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


def _iso(value):
    if value is None:
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)  # SQLite drops the zone
    return value.isoformat()


def _parse_time(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc) if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    # Kept in UTC: SQLite (the embedded default) stores the wall clock only.
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)


def _text(value, limit):
    return (str(value).strip()[:limit]) if value not in (None, "") else None


# --- the read model ---------------------------------------------------------


class InvalidSubmission(ValueError):
    """A `declaration_submitted` whose data cannot be used (the handler's
    retry and parking deal with it)."""


def receive_submission(session, data, occurred_at=None):
    """Create or reopen the case of a submitted declaration.

    A first submission opens the case at the level the event names; a
    resubmission updates the read model and reopens the case there. An event
    older than what the case already holds (a redelivery, or overtaken by a
    later version) changes nothing. Returns the case, or None when ignored.
    """
    try:
        declaration_id = str(data["declaration_id"])
        enterprise_id = str(data["enterprise_id"])
        level = data["level"]
        version = int(data["version"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidSubmission(f"declaration_submitted without a usable {exc}") from exc
    if level not in c.LEVELS:
        raise InvalidSubmission(f"declaration_submitted names an unknown level {level!r}")
    summary = dict(data.get("summary") or {})
    region_code = str(data.get("region_code") or summary.get("region_code") or "")
    if not region_code:
        raise InvalidSubmission("declaration_submitted without a region_code")
    resubmission = bool(data.get("resubmission"))
    now = utcnow()
    submitted_at = _parse_time(summary.get("submitted_at")) or _parse_time(occurred_at) or now

    case = session.get(ReviewCase, declaration_id, with_for_update=True)
    if case is not None:
        newer = version > case.version
        same_version_reopened = (
            version == case.version and resubmission and case.state == c.RETURNED
        )
        if not (newer or same_version_reopened):
            return None
    state = c.PENDING_STATE_OF_LEVEL[level]
    fields = dict(
        enterprise_id=enterprise_id,
        batch_id=_text(summary.get("batch_id"), 64),
        batch_name=_text(summary.get("batch_name"), 200),
        base_name=_text(summary.get("base_name"), 200),
        enterprise_name=_text(summary.get("enterprise_name"), 200),
        credit_code=_text(summary.get("credit_code"), 18),
        region_code=region_code[:6],
        city_code=regions.city_of(region_code),
        state=state,
        level=level,
        version=version,
        resubmission=resubmission,
        submitted_at=submitted_at,
        summary=summary,
        updated_at=now,
    )
    from_state = None
    if case is None:
        case = ReviewCase(declaration_id=declaration_id, revision=1, first_submitted_at=submitted_at, **fields)
        session.add(case)
    else:
        from_state = case.state
        for key, value in fields.items():
            setattr(case, key, value)
        case.revision = case.revision + 1
    session.add(
        ReviewAction(
            declaration_id=declaration_id,
            version=version,
            action=lb.RESUBMITTED if resubmission else lb.SUBMITTED,
            level=None,
            actor_kind=c.ENTERPRISE,
            actor_id=enterprise_id,
            actor_region=region_code[:6],
            from_state=from_state,
            to_state=state,
            created_at=submitted_at,
        )
    )
    session.flush()
    return case


# --- actions --------------------------------------------------------------


def _reason(reason, required, label):
    text = (reason or "").strip() if isinstance(reason, str) else ""
    if required and not text:
        raise ValidationFailed(f"请填写{label}", {"reason": f"请填写{label}"})
    if len(text) > REASON_MAX:
        message = f"{label}不能超过{REASON_MAX}字"
        raise ValidationFailed(message, {"reason": message})
    return text or None


def _sections(sections):
    sections = list(sections or [])
    unknown = [s for s in sections if s not in c.SECTIONS]
    if unknown:
        raise ValidationFailed("退回的部分不正确", {"sections": "请从申报的各部分中选择"})
    return [key for key in c.SECTIONS if key in sections]  # the sections' own order


def _revision(expected_revision):
    try:
        return int(expected_revision)
    except (TypeError, ValueError):
        raise ValidationFailed("缺少审核页面的版本信息，请刷新后重试", {"revision": "请刷新后重试"})


def _moved(case):
    return Conflict(
        f"该申报已被处理或已更新（当前状态：{c.STATE_LABELS.get(case.state, case.state)}），"
        "请刷新页面后查看"
    )


def _move(tx, principal, case, expected_revision, action, acting_level, to_state, to_level,
          reason=None, sections=None):
    """The conditional UPDATE, the audit record; returns the audit row."""
    now = utcnow()
    values = dict(state=to_state, level=to_level, revision=ReviewCase.revision + 1, updated_at=now)
    if to_state == c.RETURNED:
        values["returned_version"] = case.version
    result = tx.session.execute(
        update(ReviewCase)
        .where(
            ReviewCase.declaration_id == case.declaration_id,
            ReviewCase.revision == expected_revision,
            ReviewCase.state == case.state,
            ReviewCase.version == case.version,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        tx.session.expire(case)
        raise _moved(case)
    record = ReviewAction(
        declaration_id=case.declaration_id,
        version=case.version,
        action=action,
        level=acting_level,
        actor_kind=principal.kind,
        actor_id=str(principal.id),
        actor_region=principal.region_code,
        from_state=case.state,
        to_state=to_state,
        reason=reason,
        sections=sections,
        created_at=now,
    )
    tx.session.add(record)
    tx.session.flush()
    log_action = "review.recognise" if action == lb.APPROVE else (
        "review.approve" if action == lb.ADVANCE else f"review.{action}")
    before = {"状态": c.STATE_LABELS.get(case.state, case.state)}
    after = {"状态": c.STATE_LABELS.get(to_state, to_state)}
    if reason:
        after["意见"] = reason
    if sections:
        after["退回部分"] = "、".join(c.SECTIONS.get(s, s) for s in sections)
    operation_log.record(tx.session, principal, log_action, _target(case), case.declaration_id,
                         before=before, after=after, now=now)
    tx.session.expire(case)
    record.sequence = expected_revision + 1  # the case's revision after the move
    return record


def _target(case):
    """How the logs name a case: the base and its 申报编号."""
    reference = (case.summary or {}).get("reference")
    return f"{case.base_name or ''}（{reference}）" if reference else (case.base_name or case.declaration_id)


def _announce(tx, record, event_type, data):
    """The review event of a move, with the case's revision as its sequence
    and the state after the move (declarations and tenants order by it)."""
    data = dict(data, from_state=record.from_state)
    tx.dispatch(event_type, data, sequence=record.sequence, state=record.to_state)


def _case_for_action(tx, principal, declaration_id, expected_revision):
    case = scope.visible_case(tx.session, principal, declaration_id)
    if case.revision != expected_revision:
        raise _moved(case)
    return case


def _require_review(principal, case):
    if not principal.is_reviewer:
        raise Forbidden("只有本级审核人员可以审核该申报")
    if not scope.can_review(principal, case):
        raise BadState(
            f"该申报当前为“{c.STATE_LABELS.get(case.state, case.state)}”，不在您的审核环节"
        )


def approve(tx, principal, declaration_id, expected_revision, opinion=None):
    """通过: to the next level; at province level 认定 (approved)."""
    expected_revision = _revision(expected_revision)
    opinion = _reason(opinion, False, "审核意见")
    case = _case_for_action(tx, principal, declaration_id, expected_revision)
    _require_review(principal, case)
    level = principal.level
    version, enterprise_id, declaration_id = case.version, case.enterprise_id, case.declaration_id
    if level in lb.NEXT_LEVEL:
        new_level = lb.NEXT_LEVEL[level]
        record = _move(tx, principal, case, expected_revision, lb.ADVANCE, level,
                       c.PENDING_STATE_OF_LEVEL[new_level], new_level, reason=opinion)
        _announce(tx, record, c.DECLARATION_ADVANCED,
                  {"declaration_id": declaration_id, "level": new_level, "version": version})
    else:
        record = _move(tx, principal, case, expected_revision, lb.APPROVE, level,
                       c.APPROVED, None, reason=opinion)
        _announce(tx, record, c.DECLARATION_APPROVED, {
            "declaration_id": declaration_id, "enterprise_id": enterprise_id,
            "reason": opinion or "", "version": version,
        })
    return action_row(record)


def return_for_changes(tx, principal, declaration_id, expected_revision, reason, sections=()):
    """退回: a reason is required; the sections concerned may be marked."""
    expected_revision = _revision(expected_revision)
    reason = _reason(reason, True, "退回原因")
    sections = _sections(sections)
    case = _case_for_action(tx, principal, declaration_id, expected_revision)
    _require_review(principal, case)
    version, enterprise_id, declaration_id = case.version, case.enterprise_id, case.declaration_id
    record = _move(tx, principal, case, expected_revision, lb.RETURN, principal.level,
                   c.RETURNED, None, reason=reason, sections=sections)
    _announce(tx, record, c.DECLARATION_RETURNED, {
        "declaration_id": declaration_id, "enterprise_id": enterprise_id,
        "level": principal.level, "reason": reason, "sections": sections, "version": version,
    })
    return action_row(record)


def reject(tx, principal, declaration_id, expected_revision, reason):
    """不通过: a reason is required; the declaration is closed."""
    expected_revision = _revision(expected_revision)
    reason = _reason(reason, True, "不通过原因")
    case = _case_for_action(tx, principal, declaration_id, expected_revision)
    _require_review(principal, case)
    version, enterprise_id, declaration_id = case.version, case.enterprise_id, case.declaration_id
    record = _move(tx, principal, case, expected_revision, lb.REJECT, principal.level,
                   c.REJECTED, None, reason=reason)
    _announce(tx, record, c.DECLARATION_REJECTED, {
        "declaration_id": declaration_id, "enterprise_id": enterprise_id,
        "level": principal.level, "reason": reason, "version": version,
    })
    return action_row(record)


def admin_return(tx, principal, declaration_id, expected_revision, reason, sections=()):
    """An admin returns any submitted declaration (FAQ 2.7: wrong region);
    its resubmission starts again at the county level."""
    if not principal.is_admin:
        raise Forbidden("只有管理员可以执行管理员退回")
    expected_revision = _revision(expected_revision)
    reason = _reason(reason, True, "退回原因")
    sections = _sections(sections)
    case = _case_for_action(tx, principal, declaration_id, expected_revision)
    if not scope.can_admin_return(principal, case):
        raise BadState(f"该申报当前为“{c.STATE_LABELS.get(case.state, case.state)}”，不能退回")
    version, enterprise_id, declaration_id = case.version, case.enterprise_id, case.declaration_id
    record = _move(tx, principal, case, expected_revision, lb.ADMIN_RETURN, c.ADMIN_RETURN_LEVEL,
                   c.RETURNED, None, reason=reason, sections=sections)
    _announce(tx, record, c.DECLARATION_RETURNED, {
        "declaration_id": declaration_id, "enterprise_id": enterprise_id,
        "level": c.ADMIN_RETURN_LEVEL, "reason": reason, "sections": sections, "version": version,
    })
    return action_row(record)


def add_note(tx, principal, declaration_id, step, noted_on, text):
    """A dated note on an offline step of the province level, before 认定."""
    errors = {}
    if step not in lb.NOTE_STEPS:
        errors["step"] = "请选择审核环节"
    day = None
    try:
        day = dt.date.fromisoformat(str(noted_on or "").strip())
    except ValueError:
        errors["noted_on"] = "请填写日期（例如 2026-05-01）"
    if day is not None and day > (utcnow() + dt.timedelta(hours=8)).date():
        errors["noted_on"] = "日期不能晚于今天"
    body = (text or "").strip() if isinstance(text, str) else ""
    if not body:
        errors["text"] = "请填写记录内容"
    elif len(body) > NOTE_MAX:
        errors["text"] = f"记录内容不能超过{NOTE_MAX}字"
    if errors:
        raise ValidationFailed("填写内容有误，请按提示修改", errors)
    case = scope.visible_case(tx.session, principal, declaration_id)
    if not scope.can_note(principal, case):
        raise BadState("只有省级审核人员可以在认定前记录审核环节")
    note = ReviewNote(
        declaration_id=case.declaration_id, version=case.version, step=step, noted_on=day,
        text=body, actor_kind=principal.kind, actor_id=str(principal.id), created_at=utcnow(),
    )
    tx.session.add(note)
    tx.session.flush()
    operation_log.record(tx.session, principal, "review.note", _target(case), case.declaration_id,
                         after={"环节": lb.NOTE_STEPS[step], "日期": day.isoformat(), "记录": body[:200]})
    return note_row(note)


# --- reading ------------------------------------------------------------------


def figures(summary):
    """[[label, value], …] of the summary's key figures that it holds."""
    summary = summary or {}
    return [[label, summary[key]] for key, label in lb.KEY_FIGURES if summary.get(key) not in (None, "")]


def case_row(case):
    return {
        "declaration_id": case.declaration_id,
        "enterprise_id": case.enterprise_id,
        "batch_id": case.batch_id,
        "batch_name": case.batch_name,
        "base_name": case.base_name,
        "enterprise_name": case.enterprise_name,
        "credit_code": case.credit_code,
        "reference": (case.summary or {}).get("reference"),
        "contact": (case.summary or {}).get("contact"),
        "contact_mobile": (case.summary or {}).get("contact_mobile"),
        "region_code": case.region_code,
        "region_name": regions.full_name(case.region_code) or case.region_code,
        "state": case.state,
        "state_label": c.STATE_LABELS.get(case.state, case.state),
        "level": case.level,
        "version": case.version,
        "revision": case.revision,
        "resubmission": bool(case.resubmission),
        "returned_version": case.returned_version,
        "submitted_at": _iso(case.submitted_at),
        "first_submitted_at": _iso(case.first_submitted_at),
        "figures": figures(case.summary),
    }


def action_row(a):
    return {
        "id": a.id,
        "version": a.version,
        "action": a.action,
        "action_label": lb.ACTION_LABELS.get(a.action, a.action),
        "level": a.level,
        "level_label": lb.LEVEL_LABELS.get(a.level, "") if a.level else "",
        "actor_kind": a.actor_kind,
        "actor_id": a.actor_id,
        "actor_region": a.actor_region,
        "actor_region_name": regions.full_name(a.actor_region) if a.actor_region else None,
        "from_state": a.from_state,
        "to_state": a.to_state,
        "to_state_label": c.STATE_LABELS.get(a.to_state, a.to_state),
        "reason": a.reason,
        "sections": a.sections or [],
        "section_labels": [c.SECTIONS.get(s, s) for s in (a.sections or [])],
        "created_at": _iso(a.created_at),
    }


def note_row(n):
    return {
        "id": n.id,
        "version": n.version,
        "step": n.step,
        "step_label": lb.NOTE_STEPS.get(n.step, n.step),
        "noted_on": n.noted_on.isoformat(),
        "text": n.text,
        "actor_kind": n.actor_kind,
        "actor_id": n.actor_id,
        "created_at": _iso(n.created_at),
    }


def get_case(session, principal, declaration_id):
    """The case, its audit trail, its notes and what the principal may do."""
    case = scope.visible_case(session, principal, declaration_id)
    history = session.scalars(
        select(ReviewAction)
        .where(ReviewAction.declaration_id == case.declaration_id)
        .order_by(ReviewAction.id)
    ).all()
    notes = session.scalars(
        select(ReviewNote)
        .where(ReviewNote.declaration_id == case.declaration_id)
        .order_by(ReviewNote.noted_on, ReviewNote.id)
    ).all()
    row = case_row(case)
    row.update(
        summary=case.summary,
        history=[action_row(a) for a in history],
        notes=[note_row(n) for n in notes],
        can={
            "review": scope.can_review(principal, case),
            "approve_is_final": principal.is_reviewer and principal.level == c.PROVINCE,
            "admin_return": scope.can_admin_return(principal, case),
            "note": scope.can_note(principal, case),
        },
    )
    return row


# --- lists --------------------------------------------------------------------

TABS = ("todo", "processed", "all")
LISTED_STATES = tuple(s for s in c.STATE_LABELS if s != c.DRAFT)
MAX_PER_PAGE = 500


def _processed_by(principal):
    return ReviewCase.declaration_id.in_(
        select(ReviewAction.declaration_id).where(
            ReviewAction.actor_kind == principal.kind,
            ReviewAction.actor_id == str(principal.id),
            ReviewAction.action.in_(lb.REVIEW_ACTIONS),
        )
    )


def _filters(filters):
    """The search conditions (without the state) and the state, from what the
    user typed; unknown values are ignored rather than failing the page."""
    conditions = []
    q = search_term(filters.get("q"))
    if q:
        conditions.append(
            ReviewCase.base_name.icontains(q, autoescape=True)
            | ReviewCase.enterprise_name.icontains(q, autoescape=True)
        )
    credit = search_term(filters.get("credit_code"), 18).upper()
    if credit:
        conditions.append(ReviewCase.credit_code.startswith(credit, autoescape=True))
    batch = search_term(filters.get("batch_id"), 36)
    if batch:
        conditions.append(ReviewCase.batch_id == batch)
    region = search_term(filters.get("region_code"), 6)
    if region:
        if regions.is_city(region):
            conditions.append(ReviewCase.city_code == region)
        else:
            conditions.append(ReviewCase.region_code == region)
    state = search_term(filters.get("state"), 40)
    return conditions, (state if state in LISTED_STATES else None)


def _positive(value, default, upper):
    try:
        value = int(value)
    except (TypeError, ValueError):
        return default
    return max(1, min(value, upper))


def list_cases(session, principal, filters=None):
    """One page of the cases in the principal's scope.

    filters: tab ("todo": what the principal can act on now; "processed":
    what it acted on; "all": everything in its scope), q (base or enterprise
    name), credit_code (prefix), batch_id, state, region_code (a county or a
    city), page, per_page. Returns the rows, the paging, the count of each
    state (over the tab's cases with every filter but the state), the count
    of each tab, and the batches seen in the scope.
    """
    filters = dict(filters or {})
    scope.check_staff(principal)
    tab = filters.get("tab") if filters.get("tab") in TABS else "todo"
    page = _positive(filters.get("page"), 1, 10**6)
    per_page = _positive(filters.get("per_page"), 20, MAX_PER_PAGE)

    in_scope = scope.region_clause(principal)
    tab_clause = {
        "todo": scope.actionable_clause(principal),
        "processed": _processed_by(principal),
        "all": in_scope,
    }[tab]
    conditions, state = _filters(filters)
    base = [in_scope, tab_clause, *conditions]

    counts = dict(
        session.execute(
            select(ReviewCase.state, func.count()).where(*base).group_by(ReviewCase.state)
        ).all()
    )
    where = base + ([ReviewCase.state == state] if state else [])
    total = session.scalar(select(func.count()).select_from(ReviewCase).where(*where))
    rows = session.scalars(
        select(ReviewCase)
        .where(*where)
        .order_by(ReviewCase.submitted_at.desc(), ReviewCase.declaration_id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    tabs = {
        "todo": session.scalar(
            select(func.count()).select_from(ReviewCase).where(in_scope, scope.actionable_clause(principal))
        ),
        "processed": session.scalar(
            select(func.count()).select_from(ReviewCase).where(in_scope, _processed_by(principal))
        ),
        "all": session.scalar(select(func.count()).select_from(ReviewCase).where(in_scope)),
    }
    batches = session.execute(
        select(ReviewCase.batch_id, func.max(ReviewCase.batch_name))
        .where(in_scope, ReviewCase.batch_id.is_not(None))
        .group_by(ReviewCase.batch_id)
        .order_by(func.max(ReviewCase.batch_name).desc())
    ).all()
    return {
        "tab": tab,
        "state": state,
        "items": [case_row(r) for r in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": max(1, -(-total // per_page)),
        "counts": {s: counts.get(s, 0) for s in LISTED_STATES},
        "tabs": tabs,
        "batches": [{"id": b, "name": n or b} for b, n in batches],
        "figure_labels": [label for _, label in lb.KEY_FIGURES],
    }
