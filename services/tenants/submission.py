"""确认提交: a tenant's answers, checked in full, become the one entry of its
credit code in the declaration (or correct a reopened one), exactly once.

Two ways in: `submit_entry` takes every step at once from the phone's page;
`submit` takes the device's draft of the step-by-step pages. Both check
every step in full and store the same way; a repeated press from the same
device within REPEAT_WINDOW returns the first result.
"""
import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.common import clock
from services.common import contracts
from services.common import personal_data
from services.common.errors import BadState, Conflict, ValidationFailed
from services.tenants import entries, intake_pages, steps
from services.tenants.models import REOPENED, SUBMITTED, TenantEntry

NO_DRAFT_MESSAGE = "没有待提交的填报内容，请从第一步开始填写"
REPEAT_WINDOW = dt.timedelta(minutes=10)  # a repeated 确认提交 within this returns the first result


def check_all(answers):
    """Every step checked in full, then the checks across steps: the cleaned
    answers by step, or ValidationFailed naming the first step that fails
    (with a message per field)."""
    if not isinstance(answers, dict):
        answers = {}
    data, errors = {}, {}
    for step in steps.STEPS:
        values = answers.get(step.key)
        clean, step_errors = step.schema.validate(values if isinstance(values, dict) else {}, require_all=True)
        data[step.key] = clean
        errors.update(step_errors)
    errors.update(steps.cross_check(data))
    if errors:
        first = next(step for step in steps.STEPS if any(key in step.schema.by_key for key in errors))
        raise ValidationFailed(f"请先完成“{first.title}”", errors)
    return data


def _recent_entry(session, declaration_id, device_id):
    """This device's entry submitted within REPEAT_WINDOW, the newest, or None."""
    return session.execute(
        select(TenantEntry)
        .where(TenantEntry.declaration_id == declaration_id, TenantEntry.device_id == device_id,
               TenantEntry.state == SUBMITTED, TenantEntry.submitted_at >= clock.utcnow() - REPEAT_WINDOW)
        .order_by(TenantEntry.submitted_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def submit(session, token, device_id, dispatch, config=None, notice=None):
    """确认提交 of the step-by-step pages: the device's draft becomes the
    entry. `notice`: the version of the personal-data notice the page
    showed; the entry records it and when."""
    link, device_id = intake_pages.open_link(session, token, device_id, config, lock="share")
    draft = intake_pages.find_draft(session, link.declaration_id, device_id, lock=True)
    if draft is None:
        recent = _recent_entry(session, link.declaration_id, device_id)
        if recent is not None:
            return {**receipt(recent), "repeated": True}
        raise BadState(NO_DRAFT_MESSAGE)
    data = check_all(draft.data)
    result = store(session, link, data, device_id, dispatch, notice, correcting=draft.entry_id)
    session.delete(draft)
    return result


def submit_entry(session, token, answers, device_id, dispatch, config=None, notice=None):
    """确认提交 of the one-page form: `answers` ({step: {field: value}}, what
    the page carried) become the entry. A field the page did not carry keeps
    what the device's draft (or the reopened entry it corrects) holds."""
    link, device_id = intake_pages.open_link(session, token, device_id, config, lock="share")
    draft = intake_pages.find_draft(session, link.declaration_id, device_id, lock=True)
    merged = merge(draft.data if draft else {}, answers)
    data = check_all(merged)
    result = store(session, link, data, device_id, dispatch, notice, correcting=draft.entry_id if draft else None)
    if draft is not None:
        session.delete(draft)
    return {**result, "base_name": link.base_name}


def merge(kept, answers):
    """`answers` over `kept`, step by step and field by field: a field
    `answers` does not carry keeps its value."""
    answers = answers if isinstance(answers, dict) else {}
    merged = {}
    for step in steps.STEPS:
        given = answers.get(step.key)
        merged[step.key] = {**(kept or {}).get(step.key, {}), **(given if isinstance(given, dict) else {})}
    return merged


def store(session, link, data, device_id, dispatch, notice, correcting=None):
    """Checked answers become the entry of their credit code: a new one, or
    the correction of a reopened one (`correcting`: the id of the reopened
    entry the answers correct, whatever its credit code now). Conflict for
    a credit code already submitted by someone else."""
    stamp = clock.utcnow()
    code = data["basic"]["credit_code"]
    entry = entries.by_credit_code(session, link.declaration_id, code, lock=True)
    if correcting and (entry is None or entry.id != correcting):
        corrected = session.get(TenantEntry, correcting, with_for_update=True)
        if entry is None and corrected is not None and corrected.state == REOPENED \
                and corrected.declaration_id == link.declaration_id:
            corrected.credit_code = code  # corrected under a corrected credit code
            entry = corrected
    if entry is None:
        entry, repeated = _new_entry(session, link.declaration_id, data, device_id, stamp, notice)
        if repeated:
            return {**receipt(entry), "repeated": True}
        resubmitted = False
    elif entry.state == REOPENED:
        _fill(entry, data, device_id, stamp, notice)
        entry.submissions = (entry.submissions or 1) + 1
        entry.excluded_at = None
        entry.excluded_reason = None
        resubmitted = True
    elif _repeated(entry, data, device_id, stamp):
        return {**receipt(entry), "repeated": True}
    else:
        raise Conflict(entries.duplicate_message(entry))
    dispatch(contracts.TENANT_SUBMITTED, {"declaration_id": link.declaration_id, "tenant_entry_id": entry.id})
    return {**receipt(entry), "resubmitted": resubmitted, "repeated": False}


def _repeated(entry, data, device_id, stamp):
    """The same answers pressed again from the same device within REPEAT_WINDOW."""
    return (
        entry.state == SUBMITTED and entry.device_id == device_id and entry.data == data
        and entry.submitted_at is not None and clock.utc(entry.submitted_at) >= stamp - REPEAT_WINDOW
    )


def _new_entry(session, declaration_id, data, device_id, stamp, notice=None):
    """(the new entry, False), or (the entry, True) when the same press
    stored it a moment before. One INSERT that does nothing when the credit
    code is there already (a transaction storing it meanwhile is waited for)."""
    code = data["basic"]["credit_code"]
    entry = TenantEntry(
        id=str(uuid.uuid4()),
        declaration_id=declaration_id,
        credit_code=code,
        reference="RZ" + uuid.uuid4().hex[:10].upper(),
        submissions=1,
        first_submitted_at=stamp,
    )
    _fill(entry, data, device_id, stamp, notice)
    table = TenantEntry.__table__
    values = {column.name: getattr(entry, column.key) for column in table.columns
              if getattr(entry, column.key) is not None}
    stored = session.execute(
        pg_insert(table).values(**values).on_conflict_do_nothing(index_elements=["declaration_id", "credit_code"])
        .returning(table.c.id)
    ).scalar()
    if stored is None:
        # Another transaction stored the credit code first: the same press
        # twice at once (its first result), or someone else (refused).
        existing = entries.by_credit_code(session, declaration_id, code)
        if existing is not None and _repeated(existing, data, device_id, stamp):
            return existing, True
        raise Conflict(entries.duplicate_message(existing) if existing else "该企业已提交过入驻企业信息，不能重复提交")
    return entry, False


def _fill(entry, data, device_id, stamp, notice=None):
    """The entry as submitted now (with the personal-data notice shown, when
    it is the current one)."""
    if notice == personal_data.NOTICE_VERSION:
        entry.notice_version, entry.notice_shown_at = notice, stamp
    entry.company_name = data["basic"]["company_name"]
    entry.size = data["basic"]["size"]
    entry.state = SUBMITTED
    entry.data = data
    entry.device_id = device_id
    entry.submitted_at = stamp
    entry.updated_at = stamp


def receipt(entry):
    return {
        "entry_id": entry.id,
        "reference": entry.reference,
        "company_name": entry.company_name,
        "credit_code": entry.credit_code,
        "submitted_at": clock.iso(entry.submitted_at),
        "submitted_at_text": clock.show(entry.submitted_at),
    }
