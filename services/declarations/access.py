"""Who reaches which declaration, decided from the verified principal, and
the loading of a declaration for a reader or for its owner."""
from sqlalchemy import select

from services.common.errors import Forbidden, NotFound, Unauthenticated
from services.common.scope import office_covers
from services.declarations.models import Declaration


def can_read(principal, declaration):
    if principal is None:
        return False
    if principal.is_enterprise:
        return declaration.enterprise_id == str(principal.id)
    if principal.is_admin or principal.is_system:
        return True
    if principal.is_reviewer:
        if declaration.version < 1:  # drafts are the enterprise's own
            return False
        return office_covers(principal, list(declaration.seen_regions or []) + [declaration.region_code])
    return False


def require_reader(principal, declaration):
    if principal is None:
        raise Unauthenticated("请先登录")
    if declaration is None or not can_read(principal, declaration):
        # Not telling a stranger whether it exists.
        raise NotFound("未找到该申报")
    return declaration


def require_owner(principal, declaration):
    if principal is None:
        raise Unauthenticated("请先登录")
    if not principal.is_enterprise:
        raise Forbidden("只有申报企业可以修改申报")
    if declaration is None or declaration.enterprise_id != str(principal.id):
        raise NotFound("未找到该申报")
    return declaration


def load(session, declaration_id, lock=False):
    """The declaration (locked for update when `lock`), or None."""
    query = select(Declaration).where(Declaration.id == str(declaration_id))
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def readable(session, principal, declaration_id):
    return require_reader(principal, load(session, declaration_id))


def owned(session, principal, declaration_id, lock=False):
    return require_owner(principal, load(session, declaration_id, lock=lock))
