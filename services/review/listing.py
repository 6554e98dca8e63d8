"""Reading cases: one page of the principal's scope (the inbox and its tabs,
search and counts) and one case with its audit trail and notes.

Each listed row is built by `rows.case_row` and then passed, with its case,
to every function of `ROW_FLAGS`: `flag(session, cases) -> {declaration_id:
{key: value}}` adds keys to the rows of one page (e.g. a deadline flag) with
one query per page, never one per row.
"""
from sqlalchemy import and_, func, select

from services.common import clock, contracts
from services.common import regions
from services.common.fields import search_term
from services.common.errors import BadState
from services.review import cursors, labels, overdue, recognition, scope
from services.review import notes as notes_module
from services.review.models import PublicityNotice, ReviewAction, ReviewCase, ReviewNote
from services.review.rows import action_row, case_row, note_row

TABS = ("todo", "processed", "all")
LISTED_STATES = tuple(s for s in contracts.STATE_LABELS if s != contracts.DRAFT)
MAX_PER_PAGE = 500
ROW_FLAGS = [overdue.flags]  # functions (session, cases) -> {declaration_id: {key: value}}


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
    final = review and recognition.final_now(case)
    return {
        "review": review,
        "approve": review and not blocked,
        "approve_blocked": blocked,
        "approve_is_final": final,
        # offered in the 认定 form: the 文号 of the batch's last 认定
        "document_number": recognition.batch_document_number(session, case) if final else None,
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


def list_cases(session, principal, filters=None, cache=None):
    """One page of the cases in the principal's scope.

    filters: tab ("todo": what the principal can act on now; "processed":
    what it acted on; "all": everything in its scope), q (base or enterprise
    name), credit_code (prefix), batch_id, state, region_code (a county or a
    city), per_page, and the page: `after` / `before` (the tokens a page
    answers as `next` / `previous`, see services.review.cursors) or, for
    older callers, `page` (a number, read with OFFSET). `rows_only`: the
    rows and paging without the figures (an export's later pages).

    Returns the rows, the paging (page, pages, total, previous, next), the
    count of each state (over the tab's cases with every filter but the
    state), the count of each tab, the 超期 count and the batches seen in
    the scope; these figures come from `cache` (a list_cache.Figures) when
    one is given.
    """
    filters = dict(filters or {})
    scope.check_staff(principal)
    tab = filters.get("tab") if filters.get("tab") in TABS else "todo"
    per_page = positive(filters.get("per_page"), 20, MAX_PER_PAGE)
    conditions, state = _filters(filters)
    in_scope = scope.region_clause(principal)
    clauses = _tab_clauses(principal)
    base = [in_scope, clauses[tab], *conditions]
    where = base + ([ReviewCase.state == state] if state else [])
    cases, page, previous, following = _page(session, where, filters, per_page)
    result = {"tab": tab, "state": state, "items": flagged_rows(session, cases), "page": page,
              "per_page": per_page, "previous": previous, "next": following,
              "figure_labels": [label for _, label in labels.KEY_FIGURES]}
    if filters.get("rows_only"):
        return result
    key = (principal.kind, str(principal.id), principal.level, principal.region_code, tab,
           tuple(sorted((k, str(filters.get(k) or "")) for k in FIGURE_FILTERS)))
    compute = lambda: figures(session, in_scope, clauses, base)  # noqa: E731
    found = cache.get(key, compute) if cache is not None else compute()
    total = found["counts"].get(state, 0) if state else found["all_states"]
    result.update(total=total, pages=max(1, -(-total // per_page)), counts=found["counts"],
                  tabs=found["tabs"], overdue=found["overdue"], batches=found["batches"])
    return result


FIGURE_FILTERS = ("q", "credit_code", "batch_id", "region_code")  # the state is not one: counts are per state


def _page(session, where, filters, per_page):
    """(cases, page, previous token, next token): by keyset, or by OFFSET
    for a caller that asks for a page number and no token."""
    query = select(ReviewCase).where(*where)
    number = positive(filters.get("page"), 1, 10**6)
    if filters.get("after") or filters.get("before") or number == 1:
        return cursors.page_of(session, query, filters, per_page)
    cases = session.scalars(
        query.order_by(ReviewCase.submitted_at.desc(), ReviewCase.declaration_id)
        .offset((number - 1) * per_page).limit(per_page + 1)
    ).all()
    following = cursors.encode(cases[per_page - 1], number + 1) if len(cases) > per_page else None
    previous = cursors.encode(cases[0], number - 1) if cases else None
    return cases[:per_page], number, previous, following


def figures(session, in_scope, clauses, base):
    """The figures of a list, computed: counts per state of `base`, counts
    per tab, the 超期 count of the inbox and the scope's batches."""
    by_state = dict(session.execute(
        select(ReviewCase.state, func.count()).where(*base).group_by(ReviewCase.state)).all())
    return {
        "counts": {s: by_state.get(s, 0) for s in LISTED_STATES},
        "all_states": sum(by_state.values()),
        "tabs": {name: _count(session, in_scope, clause) for name, clause in clauses.items()},
        "overdue": overdue.counts(session, and_(in_scope, clauses["todo"]), clock.utcnow()),
        "batches": _batches(session, in_scope),
    }
