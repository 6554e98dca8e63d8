"""The review events that move a declaration (advanced, returned, approved,
rejected, withdrawn), applied by review's sequence whatever order they arrive in, with
the SMS each decision sends the enterprise."""
import datetime as dt
import logging

from sqlalchemy import select

from services.common import contracts
from services.common.clock import utc, utcnow
from services.declarations import lifecycle, recognition, sections
from services.declarations.access import load
from services.declarations.announcements import announce, short_reason, sms_to_contact
from services.declarations.contents import section_data
from services.declarations.models import Transition

log = logging.getLogger(__name__)

DEFAULT_REASONS = {
    contracts.DECLARATION_ADVANCED: "审核通过，报送上级",
    contracts.DECLARATION_APPROVED: "认定通过",
    contracts.DECLARATION_WITHDRAWN: "企业撤回申报",
    contracts.DECLARATION_PUBLICIZED: "列入公示",
}


class _Cause:
    """The principal an event names as its cause (history's actor)."""

    def __init__(self, caused_by):
        caused_by = caused_by or {}
        self.kind = str(caused_by.get("kind") or contracts.SYSTEM)
        self.id = str(caused_by.get("id") or contracts.REVIEW)


def _event_time(envelope, now):
    try:
        at = dt.datetime.fromisoformat(envelope["occurred_at"])
    except (KeyError, TypeError, ValueError):
        return now
    return at if at.tzinfo else utc(at)


def _history_level(event_type, data):
    if event_type in (contracts.DECLARATION_APPROVED, contracts.DECLARATION_PUBLICIZED):
        return contracts.PROVINCE
    return data.get("level")


def _tell_enterprise(session, declaration, state, data, at, dispatch):
    """What a decision changes beyond the state (a return's reason and
    sections) and the SMS it sends."""
    if state == contracts.RETURNED:
        declaration.return_level = data.get("level")
        declaration.return_reason = data.get("reason") or ""
        declaration.return_sections = [k for k in (data.get("sections") or []) if k in contracts.SECTIONS]
        declaration.returned_at = at
        sms_to_contact(session, dispatch, declaration, contracts.SMS_DECLARATION_RETURNED,
                       {"reason": short_reason(declaration.return_reason)}, "returned")
    elif state == contracts.WITHDRAWN:
        # back to the enterprise without a reason or sections to correct; its
        # next 提交 goes to the level it was withdrawn from (lifecycle.resubmission_level)
        declaration.return_level = data.get("level")
        declaration.return_reason = ""
        declaration.return_sections = []
        declaration.returned_at = at
    elif state == contracts.APPROVED:
        base = section_data(session, declaration.id)[sections.APPLICATION].get("base_name")
        sms_to_contact(session, dispatch, declaration, contracts.SMS_DECLARATION_APPROVED,
                       {"base_name": base}, "approved")
    elif state == contracts.REJECTED:
        sms_to_contact(session, dispatch, declaration, contracts.SMS_DECLARATION_REJECTED,
                       {"reason": short_reason(data.get("reason"))}, "rejected")


def on_review_event(session, event_type, envelope, dispatch, now=None):
    """A review event (advanced, returned, approved, rejected, withdrawn), applied by
    review's sequence: newer than what the declaration holds, it sets the
    state review names, whatever the state here; older (a delay, a
    duplicate, a replay), it changes nothing but leaves its row in the
    history if that row is missing. Returns True when the state changed."""
    now = now or utcnow()
    data = envelope["data"]
    sequence, state = envelope["sequence"], envelope["state"]
    declaration = load(session, data.get("declaration_id"), lock=True)
    if declaration is None:
        log.warning("review event for unknown declaration %s", data.get("declaration_id"))
        return False
    actor = _Cause(envelope.get("caused_by"))
    at = _event_time(envelope, now)
    reason = data.get("reason") or DEFAULT_REASONS.get(event_type)
    level = _history_level(event_type, data)
    version = int(data.get("version") or declaration.version)
    recognition.keep_details(declaration, event_type, data)
    if sequence <= declaration.review_sequence or version < declaration.version:
        known = session.execute(
            select(Transition.id).where(Transition.declaration_id == declaration.id,
                                        Transition.review_sequence == sequence)
        ).first()
        if known is None:
            lifecycle.record(session, declaration, data.get("from_state"), state, actor, at, reason, level,
                             sequence, version)
        log.info("review event %s of %s (sequence %s) older than %s: history only",
                 event_type, declaration.id, sequence, declaration.review_sequence)
        return False
    lifecycle.apply_review_state(session, declaration, state, actor, at, sequence, reason, level,
                                 data.get("from_state"))
    _tell_enterprise(session, declaration, state, data, at, dispatch)
    announce(declaration, dispatch)
    return True
