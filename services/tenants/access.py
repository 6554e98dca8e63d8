"""Who may do what with a declaration's tenant intake, decided from the
verified principal and tenants' own copy of the declaration (owner, region,
state, version), fed by declarations' events: the owner changes its link and
entries; reviewers read the entries of submitted declarations of their
office's region; admins and services read. Intake is open exactly while the
declaration is editable and no 提交 holds it."""
from sqlalchemy import select

from services.common import clock
from services.common import contracts
from services.common import regions
from services.common.errors import BadState, Forbidden, NotFound
from services.tenants.models import IntakeLink

# --- tenants' copy of the declaration ------------------------------------------

EDITABLE_STATES = (contracts.DRAFT, contracts.RETURNED)
SYNCING_MESSAGE = "申报信息正在同步，请稍后刷新页面再试"


def apply_declaration(session, envelope):
    """declaration_started / declaration_changed: tenants' copy of the
    declaration (owner, region, state, version), applied only when newer
    than the copy (declarations' sequence), whatever order events come in.
    Intake is open exactly while the declaration is editable. Returns True
    when the copy changed."""
    data, sequence, state = envelope["data"], envelope["sequence"], envelope["state"]
    declaration_id = str(data["declaration_id"])
    link = find_link(session, declaration_id, lock=True)
    stamp = clock.utcnow()
    if link is None:
        link = IntakeLink(declaration_id=declaration_id, enterprise_id="", base_name="", serial=0,
                          intake_closed=False, created_at=stamp, sequence=0)
        session.add(link)
    elif link.state is not None and (link.sequence or 0) >= sequence:
        return False
    link.enterprise_id = str(data["enterprise_id"])  # declarations owns the answer
    link.region_code = str(data.get("region_code") or "")[:6]
    link.version = int(data.get("version") or 0)
    link.state = state
    link.sequence = sequence
    closed = state not in EDITABLE_STATES
    if closed and not link.intake_closed:
        link.closed_at = stamp
    if not closed:
        link.closed_at = None
        link.held_until = None  # any 提交 before this change is over
    link.intake_closed = closed
    link.updated_at = stamp
    session.flush()
    return True


def is_closed(link, at=None):
    """Intake closed: the declaration is not editable, or a 提交 holds it."""
    if link is None:
        return False
    if link.intake_closed:
        return True
    return link.held_until is not None and clock.utc(link.held_until) > (at or clock.utcnow())


# --- access -------------------------------------------------------------------


def find_link(session, declaration_id, lock=False):
    """lock=True: FOR UPDATE (changing the link, closing); lock="share": FOR
    SHARE (a submission: many at once, but none while intake is being closed)."""
    query = select(IntakeLink).where(IntakeLink.declaration_id == str(declaration_id))
    if lock:
        query = query.with_for_update(read=lock == "share")
    return session.execute(query).scalar_one_or_none()


def is_owner(link, principal):
    return (
        principal is not None and principal.is_enterprise and link is not None
        and link.enterprise_id not in ("", None) and link.enterprise_id == principal.id
    )


def reviewer_may_read(link, principal):
    """A reviewer reads the entries of a submitted declaration of its office's
    region (never a draft, never another region's)."""
    return (
        link is not None and link.state is not None and link.state != contracts.DRAFT and (link.version or 0) >= 1
        and principal.level in contracts.LEVELS
        and regions.within_office(principal.level, principal.region_code, link.region_code)
    )


def readable_link(session, principal, declaration_id):
    """The link row (it exists once declarations told tenants of the
    declaration) if `principal` may read the declaration's tenant entries."""
    if principal is None:
        raise Forbidden("无权访问")
    link = find_link(session, declaration_id)
    if principal.kind in (contracts.ADMIN, contracts.SYSTEM):
        return link
    if principal.is_reviewer:
        if reviewer_may_read(link, principal):
            return link
        raise NotFound("未找到该申报，或不在您的审核范围内")
    if principal.is_enterprise:
        if link is None:
            raise BadState(SYNCING_MESSAGE)
        if is_owner(link, principal):
            return link
        raise NotFound("未找到该申报")
    raise Forbidden("无权访问")


def owned_link(session, principal, declaration_id, lock=True):
    """The link row of a declaration the calling enterprise owns (for changes)."""
    if principal is None or not principal.is_enterprise:
        raise Forbidden("只有基地运营企业可以执行此操作")
    link = find_link(session, declaration_id, lock=lock)
    if link is None:
        raise BadState(SYNCING_MESSAGE)
    if not is_owner(link, principal):
        raise NotFound("未找到该申报")
    return link


def closer_link(session, principal, declaration_id):
    """Link row for the hold of 提交: the owner (declarations calls on its
    behalf), an admin or a service."""
    if principal is None or principal.kind not in (contracts.ENTERPRISE, contracts.ADMIN, contracts.SYSTEM):
        raise Forbidden("无权执行此操作")
    if principal.is_enterprise:
        return owned_link(session, principal, declaration_id)
    link = find_link(session, declaration_id, lock=True)
    if link is None:
        raise BadState(SYNCING_MESSAGE)
    return link
