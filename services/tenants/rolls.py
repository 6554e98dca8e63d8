"""入驻企业名单 as submitted: when tenants learns that a version of a
declaration was submitted (DECLARATION_SUBMITTED; intake was closed by 提交
before), it keeps every entry with its answers and the totals under that
version. Reviewers read this, not the live entries, which change again once
the declaration is returned.

Should the return of a version be handled before its submission (events of
two queues after an outage), the return takes the roll first, while intake is
still closed, and the submission fills in the region.
"""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.common import clock
from services.common.errors import Forbidden, NotFound, Unauthenticated
from services.common.scope import office_covers
from services.tenants.entries import answers, summary
from services.tenants.totals import compute_totals
from services.tenants.models import SubmittedRoll, TenantEntry


def take(session, declaration_id, version, enterprise_id, region_code=None):
    """Keep the roll of `version` unless it is kept already (then only a
    missing region is filled in). Returns True when a roll was taken."""
    declaration_id, version = str(declaration_id), int(version)
    kept = session.get(SubmittedRoll, (declaration_id, version))
    if kept is not None:
        if region_code and not kept.region_code:
            kept.region_code = region_code
        return False
    rows = session.execute(
        select(TenantEntry)
        .where(TenantEntry.declaration_id == declaration_id)
        .order_by(TenantEntry.first_submitted_at, TenantEntry.id)
    ).scalars()
    entries = [{**summary(entry), "answers": answers(entry.data)} for entry in rows]
    roll = SubmittedRoll(
        declaration_id=declaration_id, version=version, enterprise_id=str(enterprise_id or ""),
        region_code=region_code or "", entries=entries, totals=compute_totals(session, declaration_id),
        taken_at=clock.utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(roll)
    except IntegrityError:  # another replica took it at the same moment
        return False
    return True


def on_submitted(session, data):
    if data.get("version") is None:
        return False
    return take(session, data["declaration_id"], data["version"], data.get("enterprise_id"), data.get("region_code"))


def before_reopening(session, data):
    """A return reopens intake: make sure the returned version's roll was taken."""
    if data.get("version") is None:
        return False
    return take(session, data["declaration_id"], data["version"], data.get("enterprise_id"))


def submitted_roll(session, principal, declaration_id, version=None):
    """The roll of a submitted version (the latest when None), for the owner,
    admins and reviewers whose office covers a region the declaration was
    submitted to; None when no submission has been recorded yet."""
    if principal is None:
        raise Unauthenticated("请先登录")
    rolls = session.execute(
        select(SubmittedRoll)
        .where(SubmittedRoll.declaration_id == str(declaration_id))
        .order_by(SubmittedRoll.version.desc())
    ).scalars().all()
    if not rolls:
        if principal.is_enterprise or principal.is_reviewer or principal.is_admin or principal.is_system:
            return None
        raise Forbidden("无权访问")
    if principal.is_enterprise:
        allowed = rolls[0].enterprise_id == str(principal.id)
    elif principal.is_admin or principal.is_system:
        allowed = True
    else:
        allowed = office_covers(principal, [r.region_code for r in rolls])
    if not allowed:
        raise NotFound("未找到该申报")
    if version in (None, ""):
        roll = rolls[0]
    else:
        roll = next((r for r in rolls if r.version == int(version)), None)
        if roll is None:
            raise NotFound("未找到该次提交的入驻企业名单")
    return {
        "version": roll.version,
        "taken_at": roll.taken_at.isoformat() if roll.taken_at else None,
        "entries": list(roll.entries or []),
        "totals": dict(roll.totals or {}),
    }
