"""The tenant's pages (anonymous: the signed link token is the key): what a
page shows, and the device's draft of the step-by-step pages."""
import re

from sqlalchemy import select

from services.common import clock
from services.common.errors import BadState, NotFound, ValidationFailed
from services.tenants import access, entries, links, steps
from services.tenants.models import ENTRY_STATES, REOPENED, IntakeDraft, TenantEntry

CLOSED_MESSAGE = "本基地的申报已提交，入驻企业信息填报已关闭。如需补充或修改，请联系基地运营企业。"
_DEVICE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def resolve(session, token, config=None, lock=False):
    """The link row a token opens; errors say plainly why it does not."""
    claims = links.read(token, config)
    link = access.find_link(session, claims["declaration_id"], lock=lock)
    if link is None or link.serial != claims["serial"]:
        raise BadState(links.REVOKED_MESSAGE)
    if not link.nonce or link.nonce != claims["nonce"]:
        raise BadState(links.REVOKED_MESSAGE)
    if link.expires_at is not None and clock.utc(link.expires_at) <= clock.utcnow():
        raise BadState(links.EXPIRED_MESSAGE)
    return link


def valid_device(device_id):
    """The device id, if well-formed; ValidationFailed otherwise."""
    if not isinstance(device_id, str) or not _DEVICE.match(device_id):
        raise ValidationFailed("设备标识无效，请刷新页面后重试", {})
    return device_id


def find_draft(session, declaration_id, device_id, lock=False):
    query = select(IntakeDraft).where(
        IntakeDraft.declaration_id == declaration_id, IntakeDraft.device_id == device_id
    )
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def completed(data):
    """The keys of the steps whose every required field is filled."""
    return [step.key for step in steps.STEPS if not step.schema.missing(data.get(step.key, {}))]


def device_entries(session, declaration_id, device_id):
    """The entries submitted from this device, the newest first."""
    return session.execute(
        select(TenantEntry)
        .where(TenantEntry.declaration_id == declaration_id, TenantEntry.device_id == device_id)
        .order_by(TenantEntry.submitted_at.desc())
    ).scalars().all()


def _draft_for_correction(session, link, device_id, mine):
    """A reopened entry first submitted from this device comes back as its draft."""
    reopened = next((entry for entry in mine if entry.state == REOPENED), None)
    if reopened is None:
        return None
    draft = IntakeDraft(declaration_id=link.declaration_id, device_id=device_id, data=dict(reopened.data),
                        entry_id=reopened.id, updated_at=clock.utcnow())
    session.add(draft)
    return draft


def intake_context(session, token, device_id, config=None):
    """What the tenant's page shows: the base, whether intake is open, this
    device's draft and what it submitted. The form itself is the step
    description (`steps.describe`, served apart and cached by the gateway);
    `description_hash` says which one this page goes with."""
    link = resolve(session, token, config)
    device_id = valid_device(device_id)
    closed = access.is_closed(link)
    mine = device_entries(session, link.declaration_id, device_id)
    draft = find_draft(session, link.declaration_id, device_id)
    if draft is None and not closed:
        draft = _draft_for_correction(session, link, device_id, mine)
    data = dict(draft.data) if draft else {}
    return {
        "base_name": link.base_name,
        "intake_open": not closed,
        "closed_message": CLOSED_MESSAGE if closed else None,
        "expires_at": clock.iso(link.expires_at),
        "expires_at_text": clock.show(link.expires_at),
        "description_hash": steps.description_hash(),
        "draft": data,
        "completed_steps": completed(data),
        "correcting": bool(draft and draft.entry_id),
        "submitted_here": [
            {"company_name": entry.company_name, "reference": entry.reference, "state": entry.state,
             "state_label": ENTRY_STATES.get(entry.state, entry.state),
             "submitted_at_text": clock.show(entry.submitted_at)}
            for entry in mine
        ],
    }


def open_link(session, token, device_id, config=None, lock=False):
    """The link of a page that changes something: open, and the device well-formed."""
    link = resolve(session, token, config, lock=lock)
    if access.is_closed(link):
        raise BadState(CLOSED_MESSAGE)
    return link, valid_device(device_id)


def save_step(session, token, step_key, data, device_id, config=None):
    """Check one step (every required field of it) and keep it in the device's
    draft. ValidationFailed with a message per field when it fails. `data`
    holds the fields the page carried; the others keep their saved values."""
    link, device_id = open_link(session, token, device_id, config)
    step = steps.step(step_key)
    if step is None:
        raise NotFound("页面不存在")
    if not isinstance(data, dict):
        raise ValidationFailed("填写内容有误，请按提示修改", {})
    draft = find_draft(session, link.declaration_id, device_id, lock=True)
    kept = (draft.data or {}).get(step.key, {}) if draft else {}
    # A field the form did not carry (drawn from an older description) keeps its value.
    clean, errors = step.schema.validate({**kept, **data}, require_all=True)
    if step.key == "basic" and "credit_code" in clean and "credit_code" not in errors:
        existing = entries.by_credit_code(session, link.declaration_id, clean["credit_code"])
        if existing is not None and existing.state != REOPENED and not (draft and draft.entry_id == existing.id):
            errors["credit_code"] = entries.duplicate_message(existing)
    if errors:
        raise ValidationFailed("填写内容有误，请按红色提示修改", errors)
    stamp = clock.utcnow()
    if draft is None:
        draft = IntakeDraft(declaration_id=link.declaration_id, device_id=device_id, data={}, updated_at=stamp)
        session.add(draft)
    draft.data = {**(draft.data or {}), step.key: clean}
    draft.updated_at = stamp
    return {"saved": step.key, "next_step": steps.next_step(step.key), "completed_steps": completed(draft.data)}
