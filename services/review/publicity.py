"""公示: the province selects cases 待公示 into a notice with a title and a
period (Beijing calendar days, both included); they are 公示中 from then on,
objections are recorded as notes, and 认定 waits until the period has ended
(services.review.recognition). While a period runs, anyone may read the
notice's public fields (base, operator, region, period) without logging in.
"""
import datetime as dt

from sqlalchemy import func, select

from services.common import clock, contracts, regions
from services.common.errors import BadState, Forbidden, ValidationFailed
from services.review import labels, scope
from services.review.listing import positive
from services.review.models import PublicityNotice, ReviewCase
from services.review.moves import announce, move
from services.review.rows import case_row

TITLE_MAX = 200
MAX_CASES = 200  # cases one notice may hold
MAX_DAYS = 60  # the longest period
PUBLIC_PER_PAGE = 20
PUBLIC_MAX_PAGE = 1000


def _province(principal):
    scope.check_staff(principal)
    if not (principal.is_reviewer and principal.level == contracts.PROVINCE):
        raise Forbidden("只有省级审核人员可以发布公示")
    return principal


def _day(value, key, errors):
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors[key] = "请填写日期（例如 2026-05-01）"
        return None


def _checked(title, starts_on, ends_on, declaration_ids):
    """(title, first day, last day, ids) as typed, or ValidationFailed."""
    errors = {}
    title = title.strip() if isinstance(title, str) else ""
    if not title:
        errors["title"] = "请填写公示标题"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"公示标题不能超过{TITLE_MAX}字"
    first, last = _day(starts_on, "starts_on", errors), _day(ends_on, "ends_on", errors)
    if first is not None and first < clock.beijing_today():
        errors["starts_on"] = "公示开始日期不能早于今天"
    if first is not None and last is not None and not first <= last <= first + dt.timedelta(days=MAX_DAYS):
        errors["ends_on"] = f"公示结束日期应在开始日期之后，公示期不超过{MAX_DAYS}天"
    ids = sorted({i for i in list(declaration_ids or [])[:MAX_CASES * 2] if isinstance(i, str) and 0 < len(i) <= 64})
    if not ids:
        errors["declaration_ids"] = "请选择要公示的申报"
    elif len(ids) > MAX_CASES:
        errors["declaration_ids"] = f"一次公示最多选择{MAX_CASES}个申报"
    if errors:
        raise ValidationFailed("填写内容有误，请按提示修改", errors)
    return title, first, last, ids


def _locked_candidates(session, ids):
    """The selected cases, locked in id order; BadState naming any that is
    not 待公示."""
    found = session.scalars(
        select(ReviewCase).where(ReviewCase.declaration_id.in_(ids))
        .order_by(ReviewCase.declaration_id).with_for_update()
    ).all()
    if len(found) != len(ids):
        raise BadState("所选申报中有不存在的申报，请刷新后重新选择")
    for case in found:
        if case.state != contracts.PENDING_PUBLICITY:
            state = contracts.STATE_LABELS.get(case.state, case.state)
            raise BadState(f"“{case.base_name}”当前为“{state}”，不能选入公示，请刷新后重新选择")
    return found


def start_publicity(tx, principal, title, starts_on, ends_on, declaration_ids):
    """A new 公示 of the selected cases 待公示; each moves to 公示中 and
    DECLARATION_PUBLICIZED tells declarations its period."""
    _province(principal)
    title, first, last, ids = _checked(title, starts_on, ends_on, declaration_ids)
    found = _locked_candidates(tx.session, ids)
    notice = PublicityNotice(title=title, starts_on=first, ends_on=last, actor_kind=principal.kind,
                             actor_id=str(principal.id), created_at=clock.utcnow())
    tx.session.add(notice)
    tx.session.flush()
    period = f"{title}（公示期 {first.isoformat()} 至 {last.isoformat()}）"
    for case in found:
        declaration_id, enterprise_id, version = case.declaration_id, case.enterprise_id, case.version
        record = move(tx, principal, case, case.revision, labels.PUBLICIZE, contracts.PROVINCE,
                      contracts.IN_PUBLICITY, contracts.PROVINCE, reason=period,
                      extra={"publicity_id": notice.id})
        announce(tx, record, contracts.DECLARATION_PUBLICIZED, {
            "declaration_id": declaration_id, "enterprise_id": enterprise_id, "publicity_id": notice.id,
            "title": title, "starts_on": first.isoformat(), "ends_on": last.isoformat(), "version": version,
        })
    return notice_row(notice, len(found))


def notice_row(notice, count=None):
    return {"id": notice.id, "title": notice.title, "starts_on": notice.starts_on.isoformat(),
            "ends_on": notice.ends_on.isoformat(), "count": count,
            "running": notice.starts_on <= clock.beijing_today() <= notice.ends_on,
            "ended": clock.beijing_today() > notice.ends_on}


def _page(session, query, count_query, page, per_page):
    total = session.scalar(count_query)
    items = session.execute(query.offset((page - 1) * per_page).limit(per_page)).all()
    return items, total, max(1, -(-total // per_page))


def candidates(session, principal, page=1):
    """One page of the cases 待公示 (the province's selection list)."""
    _province(principal)
    page = positive(page, 1, PUBLIC_MAX_PAGE)
    where = ReviewCase.state == contracts.PENDING_PUBLICITY
    rows, total, pages = _page(
        session, select(ReviewCase).where(where).order_by(ReviewCase.updated_at, ReviewCase.declaration_id),
        select(func.count()).select_from(ReviewCase).where(where), page, MAX_CASES)
    return {"items": [case_row(case) for (case,) in rows], "total": total, "pages": pages, "page": page}


def list_publicity(session, principal, page=1):
    """One page of the notices, newest first, with their cases (province, admins)."""
    scope.check_staff(principal)
    if not (principal.is_admin or principal.level == contracts.PROVINCE):
        raise Forbidden("只有省级审核人员和管理员可以查看公示")
    page = positive(page, 1, PUBLIC_MAX_PAGE)
    rows, total, pages = _page(
        session, select(PublicityNotice).order_by(PublicityNotice.id.desc()),
        select(func.count()).select_from(PublicityNotice), page, PUBLIC_PER_PAGE)
    notices = [notice for (notice,) in rows]
    cases = session.scalars(select(ReviewCase).where(ReviewCase.publicity_id.in_([n.id for n in notices]))
                            .order_by(ReviewCase.base_name)).all() if notices else []
    items = []
    for notice in notices:
        mine = [case_row(case) for case in cases if case.publicity_id == notice.id]
        items.append(dict(notice_row(notice, len(mine)), cases=mine))
    return {"items": items, "total": total, "pages": pages, "page": page}


def public_notices(session, page=1):
    """One page of the bases under a 公示 whose period runs today: only the
    public fields, for anyone."""
    page = positive(page, 1, PUBLIC_MAX_PAGE)
    today = clock.beijing_today()
    where = (ReviewCase.state == contracts.IN_PUBLICITY, PublicityNotice.starts_on <= today,
             PublicityNotice.ends_on >= today)
    joined = select(ReviewCase, PublicityNotice).join(
        PublicityNotice, PublicityNotice.id == ReviewCase.publicity_id).where(*where)
    rows, total, pages = _page(
        session, joined.order_by(PublicityNotice.id.desc(), ReviewCase.base_name, ReviewCase.declaration_id),
        select(func.count()).select_from(ReviewCase).join(
            PublicityNotice, PublicityNotice.id == ReviewCase.publicity_id).where(*where),
        page, PUBLIC_PER_PAGE)
    items = [{
        "base_name": case.base_name or "", "enterprise_name": case.enterprise_name or "",
        "region_name": regions.full_name(case.region_code) or "", "title": notice.title,
        "starts_on": notice.starts_on.isoformat(), "ends_on": notice.ends_on.isoformat(),
    } for case, notice in rows]
    return {"items": items, "total": total, "pages": pages, "page": page}
