"""提交: every check (the sections, the attachments, the tenants' totals and
the enterprise's own record at accounts), then a new version to the level it
belongs to, announced to review, tenants and the enterprise (SMS).

Intake is held closed at tenants while 提交 runs; no window leaves a draft
with intake closed: the hold is released at once when the checks refuse or
anything here fails, it runs out by itself when the worker dies or its
commit fails, and only the committed submission closes intake for good
(declaration_changed, published from the outbox with the commit)."""
import uuid

from services.common import contracts
from services.common.clock import iso, utcnow
from services.declarations import checks, lifecycle, sections, service_calls
from services.declarations.access import owned
from services.declarations.announcements import announce, request_sms
from services.declarations.contents import attachments_of, section_data
from services.declarations.models import Batch, Version


def prepare_submit(session, principal, declaration_id, now=None):
    """Refuse early what no check can fix: state and the batch's dates."""
    now = now or utcnow()
    declaration = owned(session, principal, declaration_id, lock=True)
    lifecycle.require_editable_in_time(session, declaration, now)
    return declaration


def run_checks(session, declaration, tenant_totals, today=None, account=None):
    batch = session.get(Batch, declaration.batch_id)
    data = section_data(session, declaration.id)
    problems = checks.check(
        data, attachments_of(session, declaration.id), tenant_totals,
        batch.thresholds or {}, batch.thresholds_block, batch.required_attachments or [], today=today,
    )
    return checks.account_problems(data[sections.APPLICATION], account) + problems


def preflight(session, principal, declaration_id, tenant_totals=None, account=None):
    """The checks of 提交 without submitting (check-your-answers page)."""
    declaration = owned(session, principal, declaration_id)
    lifecycle.require_editable_in_time(session, declaration)
    problems = run_checks(session, declaration, tenant_totals, account=account)
    data = section_data(session, declaration.id)
    return {
        "problems": problems,
        "blocking": len(checks.blocking(problems)),
        "figures": checks.figures(data, tenant_totals),
        "tenants_checked": tenant_totals is not None,
    }


def check_answers(session, principal, declaration_id, tenants, accounts):
    """`preflight` with the tenant entries' current totals and the
    enterprise's record, as the check-your-answers page shows it."""
    owned(session, principal, declaration_id)
    totals = service_calls.tenants_answer(tenants, contracts.TENANTS_TOTALS, declaration_id)
    account = service_calls.account_of(accounts, principal)
    return preflight(session, principal, declaration_id, totals, account)


def submit_with_hold(session, principal, declaration_id, tenants, accounts, dispatch):
    """Hold intake closed (tenants), run every check, and when clean send
    the version to review. {"submitted": bool, "problems": [...], ...}"""
    prepare_submit(session, principal, declaration_id)
    account = service_calls.account_of(accounts, principal)
    try:
        totals = service_calls.tenants_answer(tenants, contracts.TENANTS_CLOSE_INTAKE, declaration_id)
    except Exception:
        service_calls.release_hold(tenants, declaration_id)  # tenants may have held it before failing to answer
        raise
    submitted = False
    try:
        result = submit(session, principal, declaration_id, totals, dispatch, account=account)
        submitted = result["submitted"]
    finally:
        if not submitted:  # refused, or failed: the tenants may edit again
            service_calls.release_hold(tenants, declaration_id)
    return result


def submitted_region(session, declaration):
    """The 注册地区 of the version last submitted (None before the first)."""
    if not declaration.version:
        return None
    last = session.get(Version, (declaration.id, declaration.version))
    if last is None:
        return None
    return ((last.snapshot or {}).get("sections") or {}).get(sections.APPLICATION, {}).get("region_code")


def submit(session, principal, declaration_id, tenant_totals, dispatch, now=None, account=None):
    """Every check (with the account's own record, when given, from
    accounts); when clean, a new version goes to the level it belongs to.
    Returns {"submitted": bool, "problems": [...], ...}."""
    now = now or utcnow()
    declaration = prepare_submit(session, principal, declaration_id, now)
    problems = run_checks(session, declaration, tenant_totals, today=now.date(), account=account)
    if checks.blocking(problems):
        declaration.problems = problems
        declaration.updated_at = now
        return {"submitted": False, "problems": problems}
    data = section_data(session, declaration.id)
    figures = checks.figures(data, tenant_totals, today=now.date())
    resubmission = lifecycle.is_resubmission(declaration)
    level = _move_to_review(session, principal, declaration, data, problems, resubmission, now)
    snapshot = {
        "sections": data, "attachments": attachments_of(session, declaration.id),
        "tenant_totals": tenant_totals or {}, "figures": figures, "warnings": declaration.problems,
    }
    session.add(Version(declaration_id=declaration.id, version=declaration.version, submitted_at=now,
                        level=level, snapshot=snapshot))
    _announce_submission(session, declaration, data, figures, level, resubmission, dispatch, now)
    session.flush()
    return {
        "submitted": True, "problems": declaration.problems, "reference": declaration.reference,
        "version": declaration.version, "state": declaration.state,
        "state_label": contracts.STATE_LABELS[declaration.state], "level": level, "submitted_at": iso(now),
    }


def _move_to_review(session, principal, declaration, data, problems, resubmission, now):
    """The new version's number, 申报编号, state and regions; its level."""
    batch = session.get(Batch, declaration.batch_id)
    application = data[sections.APPLICATION]
    level = lifecycle.resubmission_level(declaration, application.get("region_code"),
                                         submitted_region(session, declaration))
    declaration.region_code = application["region_code"]
    declaration.version += 1
    if not declaration.reference:
        declaration.reference = f"SC{batch.year}{uuid.uuid4().hex[:8].upper()}"
    lifecycle.move(session, declaration, contracts.PENDING_STATE_OF_LEVEL[level], principal, now,
                   reason="再次提交" if resubmission else "提交", level=level)
    seen = list(declaration.seen_regions or [])
    if declaration.region_code not in seen:
        seen.append(declaration.region_code)
    declaration.seen_regions = seen
    declaration.submitted_at = now
    declaration.problems = [p for p in problems if not p["blocking"]]
    declaration.return_level = None
    return level


def review_summary(batch, declaration, application, figures, now):
    """The key figures review keeps of a submission (declaration_submitted)."""
    summary = {
        "batch_id": batch.id, "batch_name": batch.name, "base_name": application.get("base_name"),
        "enterprise_name": application.get("operator_name"), "credit_code": application.get("credit_code"),
        "region_code": declaration.region_code, "submitted_at": iso(now), "reference": declaration.reference,
        "base_type": application.get("base_type"), "contact": application.get("contact"),
        "contact_mobile": application.get("contact_mobile"),
        "revenue": application.get("revenue"), "total_area": application.get("total_area"),
        "warnings": len(declaration.problems),
        "publicity_required": batch.publicity_required is not False,
    }
    if batch.review_due_working_days:  # else review counts with its own default
        summary["review_due_working_days"] = batch.review_due_working_days
    for key in ("tenant_count", "small_micro_count", "employees", "service_staff", "mentors", "partners",
                "ledger_entries", "years", "free_share", "categories"):
        summary[key] = figures[key]
    return summary


def _announce_submission(session, declaration, data, figures, level, resubmission, dispatch, now):
    """declaration_changed (tenants), declaration_submitted (review) and the
    SMS to the 联系手机, all recorded with the submission's commit."""
    application = data[sections.APPLICATION]
    batch = session.get(Batch, declaration.batch_id)
    announce(declaration, dispatch)
    dispatch(contracts.DECLARATION_SUBMITTED, {
        "declaration_id": declaration.id, "enterprise_id": declaration.enterprise_id,
        "region_code": declaration.region_code, "level": level, "version": declaration.version,
        "resubmission": resubmission, "summary": review_summary(batch, declaration, application, figures, now),
    }, sequence=declaration.sequence, state=declaration.state)
    request_sms(dispatch, application["contact_mobile"], declaration, contracts.SMS_DECLARATION_SUBMITTED,
                {"base_name": application.get("base_name"), "reference": declaration.reference}, "submitted")
