"""Declarations: start, save sections and rows, submit, history, versions,
and the review events that move the state. Plain functions on a SQLAlchemy
session and the verified principal; service.py only wires them to RPC."""
import datetime as dt
import logging
import uuid

from sqlalchemy import select

from services.common import contracts as c
from services.common.errors import BadState, Conflict, Forbidden, NotFound, ValidationFailed
from services.declarations import access, checks, lifecycle
from services.declarations import sections as s
from services.declarations.batches import batch_dict, is_open, is_resubmittable, utc
from services.declarations.models import Attachment, Batch, Declaration, SectionData, Transition, Version

log = logging.getLogger(__name__)

SAVE_REFUSED = "填写内容有误，请按红色提示修改后再保存"
SMS_REASON_LIMIT = 40


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


def iso(value):
    return utc(value).isoformat() if value is not None else None


def new_id():
    return str(uuid.uuid4())


# --- loading ----------------------------------------------------------------


LATE_MESSAGE = "已超过本批次的补正截止时间，不能再修改或提交"


def editable(d, batch, now=None):
    """Draft, or returned and still before the batch's resubmission deadline."""
    if d.state == c.RETURNED and batch is not None:
        return is_resubmittable(batch, now or utcnow())
    return d.state in lifecycle.EDITABLE


def require_editable(session, d, now=None):
    lifecycle.require_editable(d)
    if not editable(d, session.get(Batch, d.batch_id), now):
        raise BadState(LATE_MESSAGE)


def load(session, declaration_id, lock=False):
    query = select(Declaration).where(Declaration.id == str(declaration_id))
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def readable(session, principal, declaration_id):
    return access.require_reader(principal, load(session, declaration_id))


def owned(session, principal, declaration_id, lock=False):
    return access.require_owner(principal, load(session, declaration_id, lock=lock))


def section_values(session, declaration_id):
    rows = session.execute(select(SectionData).where(SectionData.declaration_id == declaration_id)).scalars()
    return {row.key: row for row in rows}


def section_data(session, declaration_id):
    """{section: data} with the list sections as lists (empty when unsaved)."""
    saved = section_values(session, declaration_id)
    out = {key: (saved[key].data if key in saved else ([] if key in s.LIST_SECTIONS else {})) for key in s.SCHEMAS}
    return out


def attachments_of(session, declaration_id):
    rows = session.execute(
        select(Attachment).where(Attachment.declaration_id == declaration_id).order_by(Attachment.uploaded_at)
    ).scalars()
    return [attachment_dict(a) for a in rows]


def attachment_dict(a):
    return {
        "id": a.id, "category": a.category, "filename": a.filename, "content_type": a.content_type,
        "size": a.size, "sha256": a.sha256, "uploaded_at": iso(a.uploaded_at),
    }


def summary_dict(d, batch=None):
    return {
        "id": d.id,
        "batch_id": d.batch_id,
        "batch_name": batch.name if batch else None,
        "enterprise_id": d.enterprise_id,
        "state": d.state,
        "state_label": c.STATE_LABELS[d.state],
        "editable": editable(d, batch),
        "region_code": d.region_code,
        "reference": d.reference,
        "version": d.version,
        "level": d.level,
        "updated_at": iso(d.updated_at),
        "submitted_at": iso(d.submitted_at),
        "created_at": iso(d.created_at),
    }


def history_of(session, declaration_id):
    rows = session.execute(
        select(Transition).where(Transition.declaration_id == declaration_id).order_by(Transition.at, Transition.id)
    ).scalars()
    return [
        {
            "from_state": t.from_state, "to_state": t.to_state,
            "to_label": c.STATE_LABELS.get(t.to_state, t.to_state),
            "at": iso(t.at), "actor_kind": t.actor_kind, "actor_id": t.actor_id,
            "level": t.level, "reason": t.reason, "version": t.version,
        }
        for t in rows
    ]


def section_states(d, saved, data, attachments, batch):
    """{section: {state, label, progress}} for the main data page."""
    returned = set(d.return_sections or []) if d.state == c.RETURNED else set()
    problem_sections = {p["section"] for p in (d.problems or []) if p.get("blocking")}
    out = {}
    for key in s.ORDER:
        if key == s.APPLICATION:
            values = data[key]
            required = [f for f in s.APPLICATION_SCHEMA if f.required]
            filled = [f for f in required if values.get(f.key) not in (None, "")]
            progress = f"{len(filled)}/{len(required)} 项必填"
            if key not in saved:
                state = s.NOT_STARTED
            elif len(filled) < len(required):
                state = s.IN_PROGRESS
            else:
                state = s.COMPLETED
        elif key in s.LIST_SECTIONS:
            rows = data[key]
            progress = f"{len(rows)} 条"
            state = s.COMPLETED if rows else s.NOT_STARTED
        elif key == s.ATTACHMENTS:
            have = {a["category"] for a in attachments}
            required = list(batch.required_attachments or [])
            missing = [cat for cat in required if cat not in have]
            progress = f"{len(attachments)} 个文件"
            if not attachments:
                state = s.NOT_STARTED
            else:
                state = s.IN_PROGRESS if missing else s.COMPLETED
        else:  # tenants: filled by the tenants themselves
            progress = ""
            state = None
        changed_since_return = key in saved and d.returned_at and saved[key].updated_at > d.returned_at
        if state is not None and ((key in returned and not changed_since_return) or key in problem_sections):
            state = s.HAS_PROBLEMS
        out[key] = {"state": state, "label": s.STATE_LABELS.get(state, ""), "progress": progress}
    return out


def declaration_dict(session, d):
    batch = session.get(Batch, d.batch_id)
    saved = section_values(session, d.id)
    data = {key: (saved[key].data if key in saved else ([] if key in s.LIST_SECTIONS else {})) for key in s.SCHEMAS}
    attachments = attachments_of(session, d.id)
    out = summary_dict(d, batch)
    out.update(
        batch=batch_dict(batch),
        sections=data,
        section_states=section_states(d, saved, data, attachments, batch),
        attachments=attachments,
        history=history_of(session, d.id),
        return_level=d.return_level,
        return_reason=d.return_reason,
        return_sections=list(d.return_sections or []),
        returned_at=iso(d.returned_at),
        problems=list(d.problems or []),
        accepted_at=iso(d.accepted_at),
        resubmit_until=iso(batch.resubmit_until),
    )
    return out


# --- the enterprise's list and 开始申报 ----------------------------------


def list_mine(session, principal):
    principal.require(c.ENTERPRISE)
    rows = session.execute(
        select(Declaration, Batch)
        .join(Batch, Batch.id == Declaration.batch_id)
        .where(Declaration.enterprise_id == str(principal.id))
        .order_by(Declaration.created_at.desc())
    ).all()
    return [summary_dict(d, b) for d, b in rows]


def start(session, principal, batch_id, profile=None, accepted=False, now=None, dispatch=None):
    """开始申报 after the notice and the 真实性承诺: one declaration per
    enterprise per batch, only while the batch is open."""
    principal.require(c.ENTERPRISE)
    now = now or utcnow()
    if not accepted:
        raise ValidationFailed("请阅读申报须知并勾选真实性承诺", {"accept": "请勾选真实性承诺"})
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
    profile = profile or {}
    region = principal.region_code or profile.get("region_code") or ""
    d = Declaration(
        id=new_id(), batch_id=batch.id, enterprise_id=str(principal.id), state=c.DRAFT,
        region_code=region, seen_regions=[], version=0, return_sections=[], problems=[],
        accepted_at=now, created_at=now, updated_at=now,
    )
    session.add(d)
    prefill = {k: v for k, v in {
        "operator_name": profile.get("enterprise_name"),
        "credit_code": profile.get("credit_code"),
        "region_code": region,
        "contact": profile.get("contact_name"),
        "contact_mobile": profile.get("contact_mobile"),
    }.items() if v}
    clean, _errors = s.validate(s.APPLICATION, prefill)
    session.add(SectionData(declaration_id=d.id, key="_prefill", data=clean, updated_at=now))
    session.add(Transition(
        declaration_id=d.id, from_state=None, to_state=c.DRAFT, at=now, actor_kind=principal.kind,
        actor_id=str(principal.id), reason="开始申报", version=0,
    ))
    if dispatch is not None:
        announce(d, dispatch, c.DECLARATION_STARTED)
    session.flush()
    return summary_dict(d, batch)


# --- saving -----------------------------------------------------------------


def _store(session, d, key, data, now):
    row = session.get(SectionData, (d.id, key))
    if row is None:
        session.add(SectionData(declaration_id=d.id, key=key, data=data, updated_at=now))
    else:
        row.data = data
        row.updated_at = now
    d.updated_at = now


def _section(key, kinds):
    if key not in kinds:
        raise NotFound("没有这一部分")
    return key


def save_application(session, principal, declaration_id, data, now=None):
    """保存 of 申请表: what is filled is checked; refused as a whole when any
    field fails (the form keeps what was typed)."""
    now = now or utcnow()
    d = owned(session, principal, declaration_id, lock=True)
    require_editable(session, d)
    clean, errors = s.validate(s.APPLICATION, data or {})
    if errors:
        raise ValidationFailed(SAVE_REFUSED, errors)
    _store(session, d, s.APPLICATION, clean, now)
    if clean.get("region_code"):
        d.region_code = clean["region_code"]
    return {"saved": True, "updated_at": iso(now)}


def save_row(session, principal, declaration_id, section, data, row_id=None, now=None):
    """Add (row_id None) or edit one row of a list section."""
    now = now or utcnow()
    _section(section, s.LIST_SECTIONS)
    d = owned(session, principal, declaration_id, lock=True)
    require_editable(session, d)
    clean, errors = s.validate(section, data or {})
    if errors:
        raise ValidationFailed(SAVE_REFUSED, errors)
    rows = list(section_data(session, d.id)[section])
    if row_id is None:
        clean["id"] = uuid.uuid4().hex[:12]
        rows.append(clean)
    else:
        for i, row in enumerate(rows):
            if row.get("id") == row_id:
                clean["id"] = row_id
                rows[i] = clean
                break
        else:
            raise NotFound("未找到该条记录，可能已被删除")
    _store(session, d, section, rows, now)
    return {"saved": True, "row_id": clean["id"], "count": len(rows)}


def delete_row(session, principal, declaration_id, section, row_id, now=None):
    now = now or utcnow()
    _section(section, s.LIST_SECTIONS)
    d = owned(session, principal, declaration_id, lock=True)
    require_editable(session, d)
    rows = list(section_data(session, d.id)[section])
    kept = [r for r in rows if r.get("id") != row_id]
    if len(kept) == len(rows):
        raise NotFound("未找到该条记录，可能已被删除")
    _store(session, d, section, kept, now)
    return {"deleted": True, "count": len(kept)}


def import_rows(session, principal, declaration_id, section, rows, mode=None, now=None):
    """Rows already checked (Excel import), all or nothing, appended to or
    replacing the section's rows (the user chooses once there are rows);
    exact duplicates are left out and counted (ledger_import.merge)."""
    from services.declarations import ledger_import

    now = now or utcnow()
    _section(section, s.LIST_SECTIONS)
    d = owned(session, principal, declaration_id, lock=True)
    require_editable(session, d)
    existing = list(section_data(session, d.id)[section])
    if mode not in ledger_import.MODES:
        if existing:
            return {"imported": 0, "message": ledger_import.MODE_MISSING, "errors": [], "needs_mode": True}
        mode = ledger_import.APPEND
    checked = []
    for row in rows:
        clean, errors = s.validate(section, row)
        if errors:  # checked by the importer already; never store a bad row
            raise ValidationFailed(SAVE_REFUSED, errors)
        checked.append(clean)
    kept, added, skipped = ledger_import.merge(existing, checked, mode)
    for row in kept:
        row.setdefault("id", uuid.uuid4().hex[:12])
    _store(session, d, section, kept, now)
    return {"imported": added, "skipped": skipped, "replaced": len(existing) if mode == ledger_import.REPLACE else 0,
            "mode": mode, "count": len(kept)}


def get(session, principal, declaration_id):
    d = readable(session, principal, declaration_id)
    out = declaration_dict(session, d)
    if d.state in lifecycle.EDITABLE and s.APPLICATION not in section_values(session, d.id):
        prefill = session.get(SectionData, (d.id, "_prefill"))
        out["sections"][s.APPLICATION] = dict(prefill.data) if prefill else {}
        out["prefilled"] = sorted(prefill.data) if prefill else []  # shown, not saved yet
    return out


def history(session, principal, declaration_id):
    d = readable(session, principal, declaration_id)
    return history_of(session, d.id)


# --- 提交 -----------------------------------------------------------------


def prepare_submit(session, principal, declaration_id, now=None):
    """Refuse early what no check can fix: state and the batch's dates."""
    now = now or utcnow()
    d = owned(session, principal, declaration_id, lock=True)
    require_editable(session, d)
    batch = session.get(Batch, d.batch_id)
    if d.state == c.DRAFT and not is_open(batch, now):
        raise BadState("该申报批次已截止，不能提交")
    if d.state == c.RETURNED and not is_resubmittable(batch, now):
        raise BadState(LATE_MESSAGE)
    return d


def run_checks(session, d, tenant_totals, today=None, account=None):
    batch = session.get(Batch, d.batch_id)
    data = section_data(session, d.id)
    problems = checks.check(
        data, attachments_of(session, d.id), tenant_totals,
        batch.thresholds or {}, batch.thresholds_block, batch.required_attachments or [], today=today,
    )
    return checks.account_problems(data[s.APPLICATION], account) + problems


def preflight(session, principal, declaration_id, tenant_totals=None, account=None):
    """The checks of 提交 without submitting (check-your-answers page)."""
    d = owned(session, principal, declaration_id)
    require_editable(session, d)
    problems = run_checks(session, d, tenant_totals, account=account)
    data = section_data(session, d.id)
    return {
        "problems": problems,
        "blocking": len(checks.blocking(problems)),
        "figures": checks.figures(data, tenant_totals),
        "tenants_checked": tenant_totals is not None,
    }


def submit(session, principal, declaration_id, tenant_totals, dispatch, now=None, account=None):
    """Every check (with the account's own record, when given, from
    accounts); when clean, a new version goes to the level it belongs to.
    Returns {"submitted": bool, "problems": [...], ...}."""
    now = now or utcnow()
    d = prepare_submit(session, principal, declaration_id, now)
    problems = run_checks(session, d, tenant_totals, today=now.date(), account=account)
    if checks.blocking(problems):
        d.problems = problems
        d.updated_at = now
        return {"submitted": False, "problems": problems}
    batch = session.get(Batch, d.batch_id)
    data = section_data(session, d.id)
    attachments = attachments_of(session, d.id)
    figures = checks.figures(data, tenant_totals, today=now.date())
    resubmission = d.state == c.RETURNED
    app = data[s.APPLICATION]
    level = lifecycle.resubmission_level(d, app.get("region_code"), submitted_region(session, d))
    d.region_code = app["region_code"]
    d.version += 1
    if not d.reference:
        d.reference = f"SC{batch.year}{uuid.uuid4().hex[:8].upper()}"
    lifecycle.move(session, d, c.PENDING_STATE_OF_LEVEL[level], principal, now,
                   reason="再次提交" if resubmission else "提交", level=level)
    seen = list(d.seen_regions or [])
    if d.region_code not in seen:
        seen.append(d.region_code)
    d.seen_regions = seen
    d.submitted_at = now
    d.problems = [p for p in problems if not p["blocking"]]
    d.return_level = None
    snapshot = {
        "sections": data, "attachments": attachments, "tenant_totals": tenant_totals or {},
        "figures": figures, "warnings": d.problems,
    }
    session.add(Version(declaration_id=d.id, version=d.version, submitted_at=now, level=level, snapshot=snapshot))
    summary = {
        "batch_id": batch.id, "batch_name": batch.name, "base_name": app.get("base_name"),
        "enterprise_name": app.get("operator_name"), "credit_code": app.get("credit_code"),
        "region_code": d.region_code, "submitted_at": iso(now), "reference": d.reference,
        "base_type": app.get("base_type"), "contact": app.get("contact"),
        "contact_mobile": app.get("contact_mobile"),
        "tenant_count": figures["tenant_count"], "small_micro_count": figures["small_micro_count"],
        "employees": figures["employees"], "service_staff": figures["service_staff"],
        "mentors": figures["mentors"], "partners": figures["partners"],
        "ledger_entries": figures["ledger_entries"], "years": figures["years"],
        "free_share": figures["free_share"], "categories": figures["categories"],
        "revenue": app.get("revenue"), "total_area": app.get("total_area"),
        "warnings": len(d.problems),
    }
    announce(d, dispatch)
    dispatch(c.DECLARATION_SUBMITTED, {
        "declaration_id": d.id, "enterprise_id": d.enterprise_id, "region_code": d.region_code,
        "level": level, "version": d.version, "resubmission": resubmission, "summary": summary,
    }, sequence=d.sequence, state=d.state)
    dispatch(c.SMS_REQUESTED, {
        "phone": app["contact_mobile"], "template": c.SMS_DECLARATION_SUBMITTED,
        "params": {"base_name": app.get("base_name"), "reference": d.reference},
        "dedupe_key": f"declaration:{d.id}:submitted:{d.version}",
    })
    session.flush()
    return {
        "submitted": True, "problems": d.problems, "reference": d.reference, "version": d.version,
        "state": d.state, "state_label": c.STATE_LABELS[d.state], "level": level,
        "submitted_at": iso(now),
    }


def submitted_region(session, d):
    """The 注册地区 of the version last submitted (None before the first)."""
    if not d.version:
        return None
    v = session.get(Version, (d.id, d.version))
    if v is None:
        return None
    return ((v.snapshot or {}).get("sections") or {}).get(s.APPLICATION, {}).get("region_code")


def record_refused(session, declaration_id, problems):
    d = load(session, declaration_id)
    if d is not None:
        d.problems = problems


# --- versions -----------------------------------------------------------------


def versions(session, principal, declaration_id):
    d = readable(session, principal, declaration_id)
    rows = session.execute(
        select(Version).where(Version.declaration_id == d.id).order_by(Version.version)
    ).scalars()
    return [{"version": v.version, "submitted_at": iso(v.submitted_at), "level": v.level} for v in rows]


def version(session, principal, declaration_id, number):
    d = readable(session, principal, declaration_id)
    v = session.get(Version, (d.id, int(number)))
    if v is None:
        raise NotFound("未找到该版本")
    return {"version": v.version, "submitted_at": iso(v.submitted_at), "level": v.level, "snapshot": v.snapshot}


def _flatten(snapshot):
    """{(section, row_id, field): value} of a version's sections."""
    out = {}
    sections = snapshot.get("sections", {})
    for key, value in sections.items():
        if isinstance(value, dict):
            for field, v in value.items():
                out[(key, None, field)] = v
        else:
            for row in value or []:
                for field, v in row.items():
                    if field != "id":
                        out[(key, row.get("id"), field)] = v
    for a in snapshot.get("attachments", []):
        out[(s.ATTACHMENTS, a["id"], "filename")] = f'{a["category"]}：{a["filename"]}'
    for field, v in (snapshot.get("tenant_totals") or {}).items():
        out[(s.TENANTS, None, field)] = v
    return out


def _field_label(section, field):
    schema = s.SCHEMAS.get(section)
    if schema and field in schema.by_key:
        return schema.by_key[field].label
    if section == s.ATTACHMENTS:
        return "文件"
    return field


def diff(session, principal, declaration_id, from_version, to_version):
    """Field by field: [{section, section_label, row, field, label, before, after}]."""
    if not (principal.is_reviewer or principal.is_admin or principal.is_enterprise):
        raise Forbidden("无权查看")
    a = version(session, principal, declaration_id, from_version)["snapshot"]
    b = version(session, principal, declaration_id, to_version)["snapshot"]
    before, after = _flatten(a), _flatten(b)
    order = {key: i for i, key in enumerate(s.ORDER)}
    changes = []
    for key in sorted(set(before) | set(after), key=lambda k: (order.get(k[0], 99), k[1] or "", k[2])):
        if before.get(key) != after.get(key):
            section, row, field = key
            changes.append({
                "section": section, "section_label": c.SECTIONS.get(section, section), "row": row,
                "field": field, "label": _field_label(section, field),
                "before": before.get(key), "after": after.get(key),
            })
    return changes


# --- review events ------------------------------------------------------------


def _sms(dispatch, d, session, template, params, kind):
    app = section_data(session, d.id)[s.APPLICATION]
    phone = app.get("contact_mobile")
    if not phone:
        log.warning("declaration %s has no 联系手机; no SMS", d.id)
        return
    dispatch(c.SMS_REQUESTED, {
        "phone": phone, "template": template, "params": params,
        "dedupe_key": f"declaration:{d.id}:{kind}:{d.version}",
    })


def short_reason(reason, limit=SMS_REASON_LIMIT):
    """A return reason that fits one SMS; a longer one is cut and points to
    the platform."""
    reason = " ".join((reason or "").split())
    if len(reason) <= limit:
        return reason
    return reason[: limit - 1] + "…（详见平台）"


class _Cause:
    """The principal an event names as its cause (history's actor)."""

    def __init__(self, caused_by):
        caused_by = caused_by or {}
        self.kind = str(caused_by.get("kind") or c.SYSTEM)
        self.id = str(caused_by.get("id") or c.REVIEW)


def _event_time(envelope, now):
    try:
        at = dt.datetime.fromisoformat(envelope["occurred_at"])
    except (KeyError, TypeError, ValueError):
        return now
    return at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)


def _history_level(event_type, data):
    if event_type == c.DECLARATION_APPROVED:
        return c.PROVINCE
    return data.get("level")


DEFAULT_REASONS = {
    c.DECLARATION_ADVANCED: "审核通过，报送上级",
    c.DECLARATION_APPROVED: "认定通过",
}


def on_review_event(session, event_type, envelope, dispatch, now=None):
    """A review event (advanced, returned, approved, rejected), applied by
    review's sequence: newer than what the declaration holds, it sets the
    state review names, whatever the state here; older (a delay, a
    duplicate, a replay), it changes nothing but leaves its row in the
    history if that row is missing. Returns True when the state changed."""
    now = now or utcnow()
    data = envelope["data"]
    sequence, state = envelope["sequence"], envelope["state"]
    d = load(session, data.get("declaration_id"), lock=True)
    if d is None:
        log.warning("review event for unknown declaration %s", data.get("declaration_id"))
        return False
    actor = _Cause(envelope.get("caused_by"))
    at = _event_time(envelope, now)
    reason = data.get("reason") or DEFAULT_REASONS.get(event_type)
    level = _history_level(event_type, data)
    version = int(data.get("version") or d.version)
    if sequence <= d.review_sequence or version < d.version:
        known = session.execute(
            select(Transition.id).where(Transition.declaration_id == d.id, Transition.review_sequence == sequence)
        ).first()
        if known is None:
            lifecycle.record(session, d, data.get("from_state"), state, actor, at, reason, level, sequence, version)
        log.info("review event %s of %s (sequence %s) older than %s: history only",
                 event_type, d.id, sequence, d.review_sequence)
        return False
    lifecycle.apply_review_state(session, d, state, actor, at, sequence, reason, level, data.get("from_state"))
    if state == c.RETURNED:
        d.return_level = data.get("level")
        d.return_reason = data.get("reason") or ""
        d.return_sections = [k for k in (data.get("sections") or []) if k in c.SECTIONS]
        d.returned_at = at
        _sms(dispatch, d, session, c.SMS_DECLARATION_RETURNED, {"reason": short_reason(d.return_reason)}, "returned")
    elif state == c.APPROVED:
        base = section_data(session, d.id)[s.APPLICATION].get("base_name")
        _sms(dispatch, d, session, c.SMS_DECLARATION_APPROVED, {"base_name": base}, "approved")
    elif state == c.REJECTED:
        _sms(dispatch, d, session, c.SMS_DECLARATION_REJECTED, {"reason": short_reason(data.get("reason"))}, "rejected")
    announce(d, dispatch)
    return True


# --- declarations' own copy for tenants -----------------------------------------


def copy_of(d):
    """What tenants keeps of a declaration to decide access and intake."""
    return {"declaration_id": d.id, "enterprise_id": d.enterprise_id, "region_code": d.region_code,
            "version": d.version}


def announce(d, dispatch, event_type=c.DECLARATION_CHANGED):
    """Count a change of the declaration's state and tell tenants the state
    after it, with that count as its sequence."""
    d.sequence = (d.sequence or 0) + 1
    dispatch(event_type, copy_of(d), sequence=d.sequence, state=d.state)
