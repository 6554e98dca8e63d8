"""What declarations tells others: its own copy of a declaration for tenants
(declaration_started, declaration_changed) and the SMS it asks notify to
send to the enterprise's 联系手机."""
import logging

from services.common import contracts
from services.declarations import sections
from services.declarations.contents import section_data

log = logging.getLogger(__name__)

SMS_REASON_LIMIT = 40


def copy_of(declaration):
    """What tenants keeps of a declaration to decide access and intake."""
    return {"declaration_id": declaration.id, "enterprise_id": declaration.enterprise_id,
            "region_code": declaration.region_code, "version": declaration.version}


def announce(declaration, dispatch, event_type=contracts.DECLARATION_CHANGED):
    """Count a change of the declaration's state and tell tenants the state
    after it, with that count as its sequence."""
    declaration.sequence = (declaration.sequence or 0) + 1
    dispatch(event_type, copy_of(declaration), sequence=declaration.sequence, state=declaration.state)


def request_sms(dispatch, phone, declaration, template, params, kind):
    """One SMS per declaration, version and kind (notify drops a repeat)."""
    dispatch(contracts.SMS_REQUESTED, {
        "phone": phone, "template": template, "params": params,
        "dedupe_key": f"declaration:{declaration.id}:{kind}:{declaration.version}",
    })


def sms_to_contact(session, dispatch, declaration, template, params, kind):
    """An SMS to the 联系手机 of the saved 申请表; none (logged) without one."""
    application = section_data(session, declaration.id)[sections.APPLICATION]
    phone = application.get("contact_mobile")
    if not phone:
        log.warning("declaration %s has no 联系手机; no SMS", declaration.id)
        return
    request_sms(dispatch, phone, declaration, template, params, kind)


def short_reason(reason, limit=SMS_REASON_LIMIT):
    """A return reason that fits one SMS; a longer one is cut and points to
    the platform."""
    reason = " ".join((reason or "").split())
    if len(reason) <= limit:
        return reason
    return reason[: limit - 1] + "…（详见平台）"
