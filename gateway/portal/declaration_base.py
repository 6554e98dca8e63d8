"""What the 认定申报 pages share: their path, how they render, the sections'
description the declarations service serves (docs/descriptions.md), the
one-section view a section page reads, and the idempotency key a form
carries."""
import uuid

from flask import abort, flash, redirect, render_template, request, url_for

from gateway import descriptions, rpc
from gateway.rpc import ServiceUnavailable
from services.common import contracts as c
from services.common import regions
from services.common.errors import ServiceError

BASE = "/center/declarations"
IDLE_SECONDS = 30 * 60  # the accounts service ends a session after 30 idle minutes
APPLICATION, TENANTS, LEDGER, ATTACHMENTS = "application", "tenants", "ledger", "attachments"


def new_key():
    return uuid.uuid4().hex


def idem():
    """The idempotency key a form carries (a retried POST acts once)."""
    key = request.form.get("idempotency_key", "").strip()
    return key or None


def described(seen=None):
    """Every section's description {hash, parts}, cached per process."""
    return descriptions.get(c.DECLARATIONS, c.DECLARATIONS_DESCRIBE_SECTIONS, seen)


def part(key, seen=None):
    """The described section `key`; 404 for a section there is not."""
    found = descriptions.part_of(described(seen), key)
    if found is None:
        abort(404)
    return found


def schemas(description=None):
    """{section: its described fields} of the sections with fields."""
    return {p["key"]: p["fields"] for p in (description or described())["parts"] if "fields" in p}


def order(description=None):
    return [p["key"] for p in (description or described())["parts"]]


def section_view(declaration_id, section):
    """What one section page shows (declarations' section_view): the
    declaration's state, whether it may be changed, and that section."""
    return rpc(c.DECLARATIONS, c.DECLARATIONS_SECTION_VIEW, declaration_id, section)


def to_view(declaration_id, message):
    """The declaration's 查看 page with the service's refusal said."""
    flash(message, "info")
    return redirect(url_for("portal.declaration_view", declaration_id=declaration_id))


def editable_or_view(declaration):
    if not declaration["editable"] and not declaration.get("closed"):  # closed: the read-only pages
        return to_view(declaration["id"], f"申报当前状态为“{declaration['state_label']}”，不能修改。")
    return None


def render(template, status=200, **context):
    context.setdefault("active", "declarations")
    context.setdefault("idle_seconds", IDLE_SECONDS)
    context.setdefault("region_name", regions.full_name)
    return render_template(template, **context), status


def tenant_overview(declaration_id):
    """(entries, totals) from the tenants service; (None, None) when it does
    not answer (the page says so)."""
    try:
        entries = rpc(c.TENANTS, c.TENANTS_LIST_ENTRIES, declaration_id)
        totals = rpc(c.TENANTS, c.TENANTS_TOTALS, declaration_id)
    except (ServiceUnavailable, ServiceError):
        return None, None
    return entries, totals
