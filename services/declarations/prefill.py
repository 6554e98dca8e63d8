"""开始申报 in a batch of kind 复核 or 重新申报: the new declaration starts
from the enterprise's last one — its 申请表, 主要人员 and 合作服务机构 as last
submitted (never the 入驻企业, who fill in again, nor the 服务台账 of an old
year) — from its latest 认定 declaration, else its latest submitted one.
Each section carried over stays marked until the enterprise saves it."""
import uuid

from sqlalchemy import select

from services.common import contracts
from services.declarations import sections
from services.declarations.batches import CARRY_OVER_KINDS
from services.declarations.models import Declaration, SectionData, Version

CARRIED = (sections.APPLICATION, sections.PERSONNEL, sections.PARTNERS)
CARRIED_KEY = "_carried"  # the sections carried over and not saved since
NOTICE = "已从上次申报带入，请核对后保存"
STATE_LABEL = "已带入，待核对"


def source(session, enterprise_id, batch_id):
    """The declaration a 复核 starts from: the latest 认定 one, else the
    latest submitted one (another batch's, not erased); None without one."""
    rows = session.execute(
        select(Declaration).where(
            Declaration.enterprise_id == str(enterprise_id), Declaration.batch_id != str(batch_id),
            Declaration.version > 0, Declaration.erased_at.is_(None),
        ).order_by(Declaration.submitted_at.desc())
    ).scalars().all()
    approved = [d for d in rows if d.state == contracts.APPROVED]
    return (approved or rows or [None])[0]


def carry_over(session, declaration, batch, now):
    """Copy the carried sections of the enterprise's last declaration into
    the new one (in a batch that carries over); the keys copied."""
    if batch.kind not in CARRY_OVER_KINDS:
        return []
    previous = source(session, declaration.enterprise_id, batch.id)
    if previous is None:
        return []
    version = session.get(Version, (previous.id, previous.version))
    saved = (version.snapshot or {}).get("sections") or {} if version else {}
    copied = []
    for key in CARRIED:
        value = saved.get(key)
        if not value:
            continue
        clean = _cleaned(key, value)
        session.add(SectionData(declaration_id=declaration.id, key=key, data=clean, updated_at=now))
        copied.append(key)
    if copied:
        session.add(SectionData(declaration_id=declaration.id, key=CARRIED_KEY, data=copied, updated_at=now))
    return copied


def _cleaned(key, value):
    """Only what today's rules accept is carried (a field whose rules
    changed since is left for the enterprise to fill in)."""
    if key == sections.APPLICATION:
        clean, _errors = sections.validate(key, dict(value))
        return clean
    rows = []
    for row in value:
        clean, errors = sections.validate(key, {k: v for k, v in row.items() if k != "id"})
        if not errors:
            rows.append(dict(clean, id=row.get("id") or uuid.uuid4().hex[:12]))
    return rows


def carried(session, declaration_id):
    """The sections still marked as carried over (not saved since)."""
    row = session.get(SectionData, (declaration_id, CARRIED_KEY))
    return list(row.data) if row else []
