"""Reading cases: one page of the principal's scope (the inbox and its tabs,
search and counts) and one case with its audit trail and notes.

Each listed row is built by `rows.case_row` and then passed, with its case,
to every function of `ROW_FLAGS`: `flag(session, cases) -> {declaration_id:
{key: value}}` adds keys to the rows of one page (e.g. a deadline flag) with
one query per page, never one per row.
"""
from sqlalchemy import func, select

from services.common import contracts
from services.common import regions
from services.common.fields import search_term
from services.common.errors import BadState
from services.review import labels, recognition, scope
from services.review import notes as notes_module
from services.review.models import PublicityNotice, ReviewAction, ReviewCase, ReviewNote
from services.review.rows import action_row, case_row, note_row

TABS = ("todo", "processed", "all")
LISTED_STATES = tuple(s for s in contracts.STATE_LABELS if s != contracts.DRAFT)
MAX_PER_PAGE = 500
ROW_FLAGS = []  # functions (session, cases) -> {declaration_id: {key: value}}


def get_case(session, principal, declaration_id):
    """The case, its audit trail, its notes and what the principal may do."""
    case = scope.visible_case(session, principal, declaration_id)
    history = session.scalars(
        select(ReviewAction).where(ReviewAction.declaration_id == case.declaration_id).order_by(ReviewAction.id)
    ).all()
    notes = session.scalars(
        select(ReviewNote).where(ReviewNote.declaration_id == case.declaration_id)
        .order_by(ReviewNote.noted_on, ReviewNote.id)
    ).all()
    row = case_row(case)
    row.update(
        summary=case.summary,
        history=[action_row(a) for a in history],
        notes=[note_row(n) for n in notes],
        note_steps=notes_module.steps_now(case),
        publicity=_publicity_of(session, case),
        recognition=_recognition_of(case),
        can=_can(session, principal, case),
    )
    return row


def _can(session, principal, case):
    """What the principal may do on the case now; `approve_blocked` says why
    通过/认定 waits (待公示, a 公示 period still running)."""
    review = scope.can_review(principal, case)
    blocked = ""
    if review:
        try:
            recognition.refuse_early(session, case)
        except BadState as exc:
            blocked = exc.message
    return {
        "review": review,
        "approve": review and not blocked,
        "approve_blocked": blocked,
        "approve_is_final": review and recognition.final_now(case),
        "admin_return": scope.can_admin_return(principal, case),
        "note": scope.can_note(principal, case),
    }


def _publicity_of(session, case):
    notice = session.get(PublicityNotice, case.publicity_id) if case.publicity_id else None
    if notice is None:
        return {"required": bool(case.publicity_required)}
    return {"required": bool(case.publicity_required), "id": notice.id, "title": notice.title,
            "starts_on": notice.starts_on.isoformat(), "ends_on": notice.ends_on.isoformat()}


def _recognition_of(case):
    """The 认定文号, 证书编号 and validity once recognised, else None."""
    if not case.certificate_number:
        return None
    return {"document_number": case.document_number, "certificate_number": case.certificate_number,
            "valid_from": case.valid_from.isoformat(), "valid_until": case.valid_until.isoformat()}


def _processed_by(principal):
    return ReviewCase.declaration_id.in_(
        select(ReviewAction.declaration_id).where(
            ReviewAction.actor_kind == principal.kind,
            ReviewAction.actor_id == str(principal.id),
            ReviewAction.action.in_(labels.REVIEW_ACTIONS),
        )
    )


def _filters(filters):
    """The search conditions (without the state) and the state, from what the
    user typed; unknown values are ignored rather than failing the page."""
    conditions = []
    q = search_term(filters.get("q"))
    if q:
        conditions.append(ReviewCase.base_name.icontains(q, autoescape=True)
                          | ReviewCase.enterprise_name.icontains(q, autoescape=True))
    credit = search_term(filters.get("credit_code"), 18).upper()
    if credit:
        conditions.append(ReviewCase.credit_code.startswith(credit, autoescape=True))
    batch = search_term(filters.get("batch_id"), 36)
    if batch:
        conditions.append(ReviewCase.batch_id == batch)
    region = search_term(filters.get("region_code"), 6)
    if region:
        column = ReviewCase.city_code if regions.is_city(region) else ReviewCase.region_code
        conditions.append(column == region)
    state = search_term(filters.get("state"), 40)
    return conditions, (state if state in LISTED_STATES else None)


def positive(value, default, upper):
    try:
        value = int(value)
    except (TypeError, ValueError):
        return default
    return max(1, min(value, upper))


def _count(session, *where):
    return session.scalar(select(func.count()).select_from(ReviewCase).where(*where))


def _tab_clauses(principal):
    return {
        "todo": scope.actionable_clause(principal),
        "processed": _processed_by(principal),
        "all": scope.region_clause(principal),
    }


def _batches(session, in_scope):
    batches = session.execute(
        select(ReviewCase.batch_id, func.max(ReviewCase.batch_name))
        .where(in_scope, ReviewCase.batch_id.is_not(None))
        .group_by(ReviewCase.batch_id)
        .order_by(func.max(ReviewCase.batch_name).desc())
    ).all()
    return [{"id": b, "name": n or b} for b, n in batches]


def flagged_rows(session, cases):
    """The rows of one page, with what every function of ROW_FLAGS adds."""
    rows = [case_row(case) for case in cases]
    by_id = {row["declaration_id"]: row for row in rows}
    for flag in ROW_FLAGS:
        for declaration_id, extra in (flag(session, cases) or {}).items():
            if declaration_id in by_id:
                by_id[declaration_id].update(extra)
    return rows


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
    page = positive(filters.get("page"), 1, 10**6)
    per_page = positive(filters.get("per_page"), 20, MAX_PER_PAGE)
    in_scope = scope.region_clause(principal)
    clauses = _tab_clauses(principal)
    conditions, state = _filters(filters)
    base = [in_scope, clauses[tab], *conditions]
    counts = dict(session.execute(
        select(ReviewCase.state, func.count()).where(*base).group_by(ReviewCase.state)).all())
    where = base + ([ReviewCase.state == state] if state else [])
    total = _count(session, *where)
    cases = session.scalars(
        select(ReviewCase).where(*where)
        .order_by(ReviewCase.submitted_at.desc(), ReviewCase.declaration_id)
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return {
        "tab": tab, "state": state, "items": flagged_rows(session, cases),
        "page": page, "per_page": per_page, "total": total, "pages": max(1, -(-total // per_page)),
        "counts": {s: counts.get(s, 0) for s in LISTED_STATES},
        "tabs": {name: _count(session, in_scope, clause) for name, clause in clauses.items()},
        "batches": _batches(session, in_scope),
        "figure_labels": [label for _, label in labels.KEY_FIGURES],
    }
