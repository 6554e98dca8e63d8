"""The enterprise's changes to its declaration: 开始申报, 保存 of the 申请表,
rows of the list sections added, edited and deleted, and the Excel import
of rows. Each change is checked field by field and refused as a whole."""
import uuid

from sqlalchemy import select

from services.common import contracts
from services.common.clock import iso, utcnow
from services.common.errors import BadState, Conflict, NotFound, ValidationFailed
from services.declarations import ledger_import, prefill, section_writes, sections
from services.declarations.access import owned
from services.declarations.announcements import announce
from services.declarations.batches import is_open
from services.declarations.lifecycle import require_editable_in_time
from services.declarations.models import Batch, Declaration, SectionData, Transition
from services.declarations.views import summary_dict

SAVE_REFUSED = "填写内容有误，请按红色提示修改后再保存"
PREFILL_KEY = "_prefill"  # what 开始申报 knew of the enterprise, shown until the 申请表 is saved


def new_row_id():
    return uuid.uuid4().hex[:12]


def _open_batch(session, principal, batch_id, now):
    batch = session.get(Batch, str(batch_id)) if batch_id else None
    if batch is None:
        raise NotFound("未找到该申报批次")
    if not is_open(batch, now):
        raise BadState("该申报批次不在申报时间内，不能开始申报")
    existing = session.execute(
        select(Declaration).where(Declaration.batch_id == batch.id, Declaration.enterprise_id == str(principal.id))
    ).scalar_one_or_none()
    if existing is not None:
        raise Conflict("本批次已开始申报，请在列表中点击“继续填报”")
    return batch


def _prefill(profile, region):
    given = {
        "operator_name": profile.get("enterprise_name"),
        "credit_code": profile.get("credit_code"),
        "region_code": region,
        "contact": profile.get("contact_name"),
        "contact_mobile": profile.get("contact_mobile"),
    }
    clean, _errors = sections.validate(sections.APPLICATION, {k: v for k, v in given.items() if v})
    return clean


def start(session, principal, batch_id, profile=None, accepted=False, now=None, dispatch=None):
    """开始申报 after the notice and the 真实性承诺: one declaration per
    enterprise per batch, only while the batch is open."""
    principal.require(contracts.ENTERPRISE)
    now = now or utcnow()
    if not accepted:
        raise ValidationFailed("请阅读申报须知并勾选真实性承诺", {"accept": "请勾选真实性承诺"})
    batch = _open_batch(session, principal, batch_id, now)
    profile = profile or {}
    region = principal.region_code or profile.get("region_code") or ""
    declaration = Declaration(
        id=str(uuid.uuid4()), batch_id=batch.id, enterprise_id=str(principal.id), state=contracts.DRAFT,
        region_code=region, seen_regions=[], version=0, return_sections=[], problems=[],
        accepted_at=now, created_at=now, updated_at=now,
    )
    session.add(declaration)
    session.add(SectionData(declaration_id=declaration.id, key=PREFILL_KEY, data=_prefill(profile, region),
                            updated_at=now))
    session.add(Transition(
        declaration_id=declaration.id, from_state=None, to_state=contracts.DRAFT, at=now,
        actor_kind=principal.kind, actor_id=str(principal.id), reason="开始申报", version=0,
    ))
    session.flush()
    prefill.carry_over(session, declaration, batch, now)  # 复核 / 重新申报: from the last declaration
    if dispatch is not None:
        announce(declaration, dispatch, contracts.DECLARATION_STARTED)
    session.flush()
    return summary_dict(declaration, batch)


def _list_section(key):
    if key not in sections.LIST_SECTIONS:
        raise NotFound("没有这一部分")
    return key


def _carried_over(saved, data):
    """The fields sent over what is saved: a field the form did not carry
    keeps its saved value; one sent empty clears it (docs/descriptions.md)."""
    return {**(saved or {}), **(data or {})}


def save_application(session, principal, declaration_id, data, now=None, claim=None):
    """保存 of 申请表: the fields sent, over what is saved; what is filled is
    checked; refused as a whole when any field fails (the form keeps what
    was typed)."""
    now = now or utcnow()
    change = section_writes.begin(session, principal, declaration_id, sections.APPLICATION, claim, now)
    if change.stored is not None:
        return change.stored
    clean, errors = sections.validate(sections.APPLICATION, _carried_over(change.saved, data))
    if errors:
        raise ValidationFailed(SAVE_REFUSED, errors)
    return section_writes.finish(session, change, clean, now, {"saved": True, "updated_at": iso(now)},
                                 region=clean.get("region_code"))


def _row_index(rows, row_id):
    for i, row in enumerate(rows):
        if row.get("id") == row_id:
            return i
    raise NotFound("未找到该条记录，可能已被删除")


def save_row(session, principal, declaration_id, section, data, row_id=None, now=None, claim=None):
    """Add (row_id None) or edit one row of a list section; an edit keeps
    the fields the form did not carry."""
    now = now or utcnow()
    _list_section(section)
    change = section_writes.begin(session, principal, declaration_id, section, claim, now)
    if change.stored is not None:
        return change.stored
    rows = list(change.saved or [])
    index = None if row_id is None else _row_index(rows, row_id)
    before = {} if index is None else {k: v for k, v in rows[index].items() if k != "id"}
    clean, errors = sections.validate(section, _carried_over(before, data))
    if errors:
        raise ValidationFailed(SAVE_REFUSED, errors)
    if index is None:
        clean["id"] = new_row_id()
        rows.append(clean)
    else:
        clean["id"] = row_id
        rows[index] = clean
    return section_writes.finish(session, change, rows, now,
                                 {"saved": True, "row_id": clean["id"], "count": len(rows)})


def delete_row(session, principal, declaration_id, section, row_id, now=None, claim=None):
    now = now or utcnow()
    _list_section(section)
    change = section_writes.begin(session, principal, declaration_id, section, claim, now)
    if change.stored is not None:
        return change.stored
    rows = list(change.saved or [])
    kept = [row for row in rows if row.get("id") != row_id]
    if len(kept) == len(rows):
        raise NotFound("未找到该条记录，可能已被删除")
    return section_writes.finish(session, change, kept, now, {"deleted": True, "count": len(kept)})


def _checked_rows(section, rows):
    checked = []
    for row in rows:
        clean, errors = sections.validate(section, row)
        if errors:  # checked by the importer already; never store a bad row
            raise ValidationFailed(SAVE_REFUSED, errors)
        checked.append(clean)
    return checked


def import_rows(session, principal, declaration_id, section, rows, mode=None, now=None):
    """Rows already checked (Excel import), all or nothing, appended to or
    replacing the section's rows (the user chooses once there are rows);
    exact duplicates are left out and counted (ledger_import.merge)."""
    now = now or utcnow()
    _list_section(section)
    change = section_writes.begin(session, principal, declaration_id, section, now=now)
    existing = list(change.saved or [])
    if mode not in ledger_import.MODES:
        if existing:
            return {"imported": 0, "message": ledger_import.MODE_MISSING, "errors": [], "needs_mode": True}
        mode = ledger_import.APPEND
    kept, added, skipped = ledger_import.merge(existing, _checked_rows(section, rows), mode)
    for row in kept:
        row.setdefault("id", new_row_id())
    result = {"imported": added, "skipped": skipped,
              "replaced": len(existing) if mode == ledger_import.REPLACE else 0, "mode": mode, "count": len(kept)}
    return section_writes.finish(session, change, kept, now, result)


def import_upload(session, store, principal, declaration_id, temp_key, mode=None):
    """The rows of an uploaded .xlsx (blob store, temporary key) into the
    服务台账 (`import_rows`), or {imported: 0, errors, message} when the
    file cannot be read or a row fails; refused before the file is read when
    the declaration may not change (its state, its deadline)."""
    require_editable_in_time(session, owned(session, principal, declaration_id))
    try:
        data = ledger_import.read_upload(store, temp_key, principal)
        rows = ledger_import.parse(data)
    except ledger_import.ImportFailed as exc:
        return {"imported": 0, "message": exc.message, "errors": exc.errors}
    return import_rows(session, principal, declaration_id, sections.LEDGER, rows, mode)
