"""The enterprise's QR link of a declaration: open (or renew), revoke, status.
The signed token and the short id live in services.tenants.links."""
from services.common import clock
from services.common.errors import BadState, ValidationFailed
from services.tenants import access, links


def url_path(token):
    return f"/intake/{token}"


def status(link, config=None):
    if link is None:
        return {"active": False, "token": None, "url_path": None, "serial": 0, "base_name": "",
                "expires_at": None, "expired": False, "intake_open": True, "closed_at": None}
    expired = link.expires_at is not None and clock.utc(link.expires_at) <= clock.utcnow()
    active = bool(link.nonce) and not expired
    token = links.sign(link.declaration_id, link.serial, link.nonce, link.expires_at, config) if active else None
    return {
        "active": active,
        "token": token,
        "url_path": url_path(token) if token else None,
        "serial": link.serial,
        "base_name": link.base_name,
        "expires_at": clock.iso(link.expires_at),
        "expires_at_text": clock.show(link.expires_at),
        "expired": expired,
        "revoked_at": clock.iso(link.revoked_at),
        "intake_open": not access.is_closed(link),
        "closed_at": clock.iso(link.closed_at),
    }


def open_link(session, principal, declaration_id, base_name, batch_closes_at, config=None, renew=False):
    """The declaration's active link, made on first use (or anew when `renew`,
    or after a revocation). Returns the link status with `token` and `url_path`."""
    if principal is None or not principal.is_enterprise:
        raise Forbidden("只有基地运营企业可以生成入驻企业填报二维码")
    base_name = (base_name or "").strip()[:200]
    if not base_name:
        raise ValidationFailed("请先在申请表中填写基地名称", {"base_name": "请先在申请表中填写基地名称"})
    closes = links.parse_closing(batch_closes_at)
    if closes is not None and closes <= clock.utcnow():
        raise BadState(links.EXPIRED_MESSAGE)
    stamp = clock.utcnow()
    link = access.owned_link(session, principal, declaration_id)
    link.base_name = base_name
    link.expires_at = closes
    if renew or not link.nonce:
        link.serial = (link.serial or 0) + 1
        link.nonce = links.new_nonce()
        link.revoked_at = None
    link.updated_at = stamp
    session.flush()
    return status(link, config)


def revoke_link(session, principal, declaration_id, config=None):
    link = access.owned_link(session, principal, declaration_id)
    if link.nonce:
        link.nonce = None
        link.revoked_at = clock.utcnow()
        link.updated_at = link.revoked_at
    return status(link, config)


def link_status(session, principal, declaration_id, config=None):
    link = access.readable_link(session, principal, declaration_id)
    shown = status(link, config)
    if not access.is_owner(link, principal):
        # Only the owner gets the token itself.
        shown.update(token=None, url_path=None)
    return shown
