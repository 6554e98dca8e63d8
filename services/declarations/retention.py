"""Retention of the personal data in declarations (services.common.personal_data).

Past its retention a declaration loses its personal data: its sections
(主要人员 with names and phones, contacts of 申请表 and 合作服务机构, 服务台账),
its attachments (rows and files in the blob store) and the contents of its
submitted versions. What stays is what is not personal: the declaration's
row (state, reference, dates), its version numbers and its state history.
A draft never submitted (category "draft") goes entirely.

- draft: never submitted, RETENTION_DRAFT_YEARS after its batch closed;
- rejected (不通过): RETENTION_REJECTED_YEARS after the decision;
- recognised (已认定): RECOGNITION_VALID_YEARS + RETENTION_RECOGNISED_YEARS
  after the recognition.

Each erased declaration emits `declaration_erased`, on which the tenants
service deletes its tenant entries. Housekeeping works in batches, one short
transaction each (rows claimed with FOR UPDATE SKIP LOCKED on PostgreSQL,
so replicas share the work), deletes the files after the commit, and records
how many declarations of each category went in the service's
personal_data_log. `erase_enterprise` does the same for every declaration of
one enterprise on its request (not for one under review).
"""
import datetime as dt
import logging

import eventlet
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from services.common import blobs, outbox, pruning
from services.common import contracts
from services.common.clock import utcnow
from services.common import personal_data as pd
from services.declarations import lifecycle
from services.declarations.models import Attachment, Batch, Declaration, SectionData, Transition, Version

log = logging.getLogger(__name__)

BATCH = 100  # declarations per transaction
YEAR = dt.timedelta(days=365)
ERASED_SNAPSHOT = {"erased": True}


def due(config=None, now=None):
    """{category: a select of the ids of declarations past retention}."""
    now = now or utcnow()
    fresh = Declaration.erased_at.is_(None)
    draft_limit = now - pd.retention("draft", config) * YEAR
    rejected_limit = now - pd.retention("rejected", config) * YEAR
    recognised_limit = now - (pd.recognition_valid_years(config) + pd.retention("recognised", config)) * YEAR
    return {
        "draft": select(Declaration.id).join(Batch, Batch.id == Declaration.batch_id).where(
            Declaration.state == contracts.DRAFT, Declaration.version == 0, Batch.closes_at < draft_limit),
        "rejected": select(Declaration.id).where(
            fresh, Declaration.state == contracts.REJECTED, Declaration.updated_at < rejected_limit),
        "recognised": select(Declaration.id).where(
            fresh, Declaration.state == contracts.APPROVED, Declaration.updated_at < recognised_limit),
    }


def erase(session, declaration, now, whole=False, reason=pd.RETENTION):
    """Remove the declaration's personal data in `session`; returns the blob
    keys to delete once the transaction is committed. `whole`: the
    declaration itself goes too (a draft never submitted)."""
    did = declaration.id
    keys = list(session.scalars(select(Attachment.blob_key).where(Attachment.declaration_id == did)))
    session.execute(delete(Attachment).where(Attachment.declaration_id == did))
    session.execute(delete(SectionData).where(SectionData.declaration_id == did))
    if whole:
        session.execute(delete(Version).where(Version.declaration_id == did))
        session.execute(delete(Transition).where(Transition.declaration_id == did))
        session.delete(declaration)
    else:
        session.execute(update(Version).where(Version.declaration_id == did).values(snapshot=ERASED_SNAPSHOT))
        declaration.erased_at = now
        declaration.problems = []
        declaration.return_reason = None
    outbox.record(session, contracts.DECLARATIONS, contracts.DECLARATION_ERASED, {"declaration_id": did, "reason": reason})
    return keys


def delete_blobs(store, keys):
    for key in keys:
        try:
            store.delete(key)
        except Exception as exc:  # noqa: BLE001 - the row is gone; the file is retried by nobody: say so
            log.warning("could not delete blob %s: %s", key, exc)


def run(engine, config=None, store=None, now=None, batch=BATCH, stopping=None):
    """One retention pass; returns {category: declarations erased}."""
    now = now or utcnow()
    store = store or blobs.blob_store(config)
    done = {}
    for category, chosen in due(config, now).items():
        total = 0
        while True:
            query = chosen.limit(batch)
            if engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=Declaration)
            with Session(engine, expire_on_commit=False) as session, session.begin():
                ids = list(session.scalars(query))
                keys = []
                for d in session.scalars(select(Declaration).where(Declaration.id.in_(ids))):
                    keys += erase(session, d, now, whole=category == "draft")
                pd.record(session, category, pd.DELETED if category == "draft" else pd.ANONYMISED, len(ids), now=now)
            delete_blobs(store, keys)
            total += len(ids)
            if len(ids) < batch or (stopping is not None and stopping.ready()):
                break
            eventlet.sleep(0)
        done[category] = total
    return done


def erase_enterprise(session, store, principal, enterprise_id, now=None):
    """An admin erases the personal data of every declaration of one
    enterprise (its request); BadState while one is under review.
    Returns {"declarations": n, "blob_keys": [...]} — the caller deletes the
    files after the commit."""
    from services.common.errors import BadState

    principal.require(contracts.ADMIN)
    now = now or utcnow()
    rows = list(session.scalars(select(Declaration).where(Declaration.enterprise_id == enterprise_id)
                                .with_for_update()))
    if any(d.state in lifecycle.PENDING + lifecycle.PUBLICITY for d in rows):
        raise BadState("该企业有审核中的申报，审核结束后才能删除其个人信息")
    keys = []
    counts = {}
    for d in rows:
        if d.erased_at is not None:
            continue
        category = category_of(d)
        whole = d.state == contracts.DRAFT and d.version == 0
        keys += erase(session, d, now, whole=whole, reason=pd.REQUEST)
        counts[(category, pd.DELETED if whole else pd.ANONYMISED)] = counts.get(
            (category, pd.DELETED if whole else pd.ANONYMISED), 0) + 1
    for (category, action), n in sorted(counts.items()):
        pd.record(session, category, action, n, reason=pd.REQUEST, actor=principal, subject_id=enterprise_id, now=now)
    return {"declarations": sum(counts.values()), "blob_keys": keys}


def category_of(declaration):
    if declaration.state == contracts.APPROVED:
        return "recognised"
    if declaration.state == contracts.REJECTED:
        return "rejected"
    return "draft"


def export_enterprise(session, principal, enterprise_id):
    """Everything the declarations service keeps of one enterprise (an admin,
    on its request): each declaration with its sections, attachments' details
    and versions."""
    from services.declarations import views

    principal.require(contracts.ADMIN)
    out = []
    for d in session.scalars(select(Declaration).where(Declaration.enterprise_id == enterprise_id)
                             .order_by(Declaration.created_at)):
        view = views.declaration_dict(session, d)
        view["versions"] = [
            {"version": v.version, "submitted_at": v.submitted_at.isoformat(), "level": v.level, "snapshot": v.snapshot}
            for v in session.scalars(select(Version).where(Version.declaration_id == d.id).order_by(Version.version))
        ]
        out.append(view)
    pd.record(session, "draft", pd.EXPORTED, len(out), reason=pd.REQUEST, actor=principal, subject_id=enterprise_id)
    return out


def _housekeeping(engine, config, stopping):
    return {f"erased_{k}": n for k, n in run(engine, config, stopping=stopping).items()}


pruning.register(contracts.DECLARATIONS, _housekeeping)
