"""Who may see and act on which review case.

Routing (docs/domain.md): county reviewers of 320102 act on pending_county cases
of 320102; city reviewers of 320100 act on pending_city cases of the
counties of 320100; province reviewers act on pending_province cases and
on those 待公示 and 公示中 (pending_publicity, in_publicity); an
admin sees every case. A reviewer's scope for search and for opening a case
is the region of its office (its county, its city's counties, the whole
province), whatever the state; what it may act on is the part of that scope
pending at its own level.

Every function takes the verified principal of the call; nothing here trusts
an argument for identity.
"""
from sqlalchemy import and_, true

from services.common import contracts
from services.common import regions
from services.common.errors import Forbidden, NotFound
from services.review import labels
from services.review.models import ReviewCase

PENDING_STATES = tuple(contracts.PENDING_STATE_OF_LEVEL.values())
PUBLICITY_STATES = (contracts.PENDING_PUBLICITY, contracts.IN_PUBLICITY)
OPEN_STATES = PENDING_STATES + PUBLICITY_STATES  # under review: an admin may return it


def states_of_level(level):
    """The states in which a reviewer of `level` acts on a case: its pending
    state, and for the province also 待公示 and 公示中."""
    own = (contracts.PENDING_STATE_OF_LEVEL[level],)
    return own + PUBLICITY_STATES if level == contracts.PROVINCE else own


def check_staff(principal):
    """The principal if it is a reviewer with a coherent office, or an admin;
    Forbidden otherwise."""
    if principal is None:
        raise Forbidden("无权访问审核功能")
    if principal.is_admin:
        return principal
    if not principal.is_reviewer or principal.level not in contracts.LEVELS:
        raise Forbidden("无权访问审核功能")
    if principal.level == contracts.COUNTY and not regions.is_county(principal.region_code or ""):
        raise Forbidden("审核账号的地区设置有误，请联系管理员")
    if principal.level == contracts.CITY and not regions.is_city(principal.region_code or ""):
        raise Forbidden("审核账号的地区设置有误，请联系管理员")
    return principal


def region_clause(principal):
    """SQL condition: the cases inside the principal's region."""
    check_staff(principal)
    if principal.is_admin or principal.level == contracts.PROVINCE:
        return true()
    if principal.level == contracts.CITY:
        return ReviewCase.city_code == principal.region_code
    return ReviewCase.region_code == principal.region_code


def actionable_clause(principal):
    """SQL condition: the cases the principal can act on now (its inbox)."""
    if principal.is_admin:
        return ReviewCase.state.in_(OPEN_STATES)
    return and_(region_clause(principal), ReviewCase.state.in_(states_of_level(principal.level)))


def in_region(principal, case):
    check_staff(principal)
    if principal.is_admin or principal.level == contracts.PROVINCE:
        return True
    if principal.level == contracts.CITY:
        return case.city_code == principal.region_code
    return case.region_code == principal.region_code


def can_review(principal, case):
    """True when the reviewer may 通过 / 退回 / 不通过 the case now."""
    return (
        principal.is_reviewer
        and in_region(principal, case)
        and case.state in states_of_level(principal.level)
    )


def can_admin_return(principal, case):
    return principal.is_admin and case.state in OPEN_STATES


def can_note(principal, case):
    return (can_review(principal, case) and principal.level == contracts.PROVINCE
            and case.state in labels.NOTE_STEPS_OF_STATE)


def visible_case(session, principal, declaration_id, for_update=False):
    """The case if the principal may open it. A case outside the scope is
    reported as not found, so ids of other regions reveal nothing."""
    check_staff(principal)
    query = session.query(ReviewCase).filter(ReviewCase.declaration_id == str(declaration_id))
    if for_update:
        query = query.with_for_update()
    case = query.one_or_none()
    if case is None or not in_region(principal, case):
        raise NotFound("未找到该申报，或不在您的审核范围内")
    return case


