"""The intake on one page: every step and the summary are parts of the
page the link opens (static/intake.js shows one at a time, checks the
required fields of each and keeps what was typed in the phone's storage, so
a reload loses nothing). The steps reach the tenants service once, at
确认提交, where they are checked in full; a problem comes back on the same
page with the failing step open and its fields marked.

One entry: open the link, 确认提交 (303 to the receipt), the receipt: three
requests, two tenants RPCs (the steps' description is the gateway's cache;
the receipt comes with the 303, gateway.intake.receipts).
"""
from flask import g, redirect, render_template, request, url_for

from gateway import client_ip, descriptions, rpc
from gateway.intake import bp, closed_page, context, first_open_step, receipts
from services.common import contracts
from services.common.errors import Conflict, ValidationFailed


def posted_values(ctx):
    """What the page posted, by step, to draw it again."""
    values = {}
    for part in ctx["steps"]:
        values[part["key"]] = {
            field["key"]: (request.form.getlist(field["key"]) if field["type"] == "multichoice"
                           else request.form.get(field["key"], ""))
            for field in part["fields"]
        }
    return values


def failing_step(ctx, errors):
    """The first step with a field in `errors` (None: the summary)."""
    return next((part["key"] for part in ctx["steps"] if any(f["key"] in errors for f in part["fields"])), None)


def render_page(token, ctx, values, error=None, errors=None, open_step="", status=200):
    return render_template(
        "intake/start.html", ctx=ctx, token=token, values=values, error=error, errors=errors or {},
        open_step=open_step, first_step=first_open_step(ctx) or ctx["step_keys"][0],
        carried=" ".join(descriptions.fields(ctx["description"])),
    ), status


@bp.get("/<token>")
def start(token):
    ctx = context(token)
    if not ctx["intake_open"]:
        return closed_page(ctx)
    return render_page(token, ctx, ctx["draft"])


@bp.post("/<token>/entry")
def submit_entry(token):
    """确认提交 of the one page: every step at once."""
    described = descriptions.get(contracts.TENANTS, contracts.TENANTS_DESCRIBE_STEPS)
    answers = descriptions.carried_answers(described, request.form, descriptions.carried_keys(request.form))
    try:
        receipt = rpc(contracts.TENANTS, contracts.TENANTS_SUBMIT_INTAKE_ENTRY, token, answers, g.device_id,
                      client_ip(), notice=request.form.get("notice") or None)
    except (ValidationFailed, Conflict) as exc:
        ctx = context(token)
        if not ctx["intake_open"]:
            return closed_page(ctx)
        errors = getattr(exc, "errors", None) or {}
        if isinstance(exc, Conflict):
            errors = {"credit_code": exc.message}  # the one conflict: a credit code submitted before
        step = failing_step(ctx, errors)
        return render_page(token, ctx, posted_values(ctx), error=exc.message, errors=errors,
                           open_step=step or "summary", status=422 if isinstance(exc, ValidationFailed) else 409)
    response = redirect(url_for(".done", token=token, ref=receipt["reference"]), code=303)
    return receipts.keep(response, receipt, receipt.get("base_name"), g.device_id)
