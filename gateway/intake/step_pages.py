"""The intake as a page per step, for a phone without scripts: each step is
checked and kept in the device's draft by the tenants service; 确认提交
turns the draft into the entry."""
from flask import g, redirect, render_template, request, url_for

from gateway import client_ip, descriptions, rpc
from gateway.intake import answers, bp, closed_page, context, first_open_step
from services.common import contracts
from services.common.errors import Conflict, ValidationFailed


def _save(token, step):
    """The step's fields the form carried, saved: (next page, None) or (None, errors)."""
    described = descriptions.get(contracts.TENANTS, contracts.TENANTS_DESCRIBE_STEPS)
    posted = descriptions.carried_answers(described, request.form, descriptions.carried_keys(request.form))
    try:
        result = rpc(contracts.TENANTS, contracts.TENANTS_SAVE_INTAKE_STEP, token, step, posted.get(step, {}),
                     g.device_id, client_ip())
    except ValidationFailed as exc:
        return None, exc.errors or {"_": exc.message}
    following = result["next_step"]
    if following:
        return url_for(".step", token=token, step=following), None
    return url_for(".summary", token=token), None


@bp.route("/<token>/step/<step>", methods=["GET", "POST"])
def step(token, step):
    errors, status = {}, 200
    if request.method == "POST":
        # Save first (one RPC on the happy path); the page is drawn only to show red messages.
        following, errors = _save(token, step)
        if following:
            return redirect(following)
        status = 422
    ctx = context(token)
    if not ctx["intake_open"]:
        return closed_page(ctx)
    keys = ctx["step_keys"]
    if step not in keys:
        return render_template("intake/closed.html", message="页面不存在"), 404
    part = ctx["steps"][keys.index(step)]
    if request.method == "POST":
        values = {field["key"]: (request.form.getlist(field["key"]) if field["type"] == "multichoice"
                                 else request.form.get(field["key"], "")) for field in part["fields"]}
    else:
        values = ctx["draft"].get(step, {})
    index = keys.index(step)
    return render_template(
        "intake/step.html", ctx=ctx, token=token, step=step, title=part["label"], number=index + 1,
        total=len(keys), previous=keys[index - 1] if index else None, fields=part["fields"], values=values,
        errors=errors,
    ), status


def render_summary(token, ctx, error=None, errors=None, status=200):
    return render_template(
        "intake/summary.html", ctx=ctx, token=token, answers=answers(ctx, ctx["draft"]), error=error,
        errors=errors or {},
    ), status


@bp.get("/<token>/summary")
def summary(token):
    ctx = context(token)
    if not ctx["intake_open"]:
        return closed_page(ctx)
    step = first_open_step(ctx)
    if step:
        return redirect(url_for(".step", token=token, step=step))
    return render_summary(token, ctx)


@bp.post("/<token>/submit")
def submit(token):
    try:
        receipt = rpc(contracts.TENANTS, contracts.TENANTS_SUBMIT_INTAKE, token, g.device_id, client_ip(),
                      notice=request.form.get("notice") or None)
    except (ValidationFailed, Conflict) as exc:
        ctx = context(token)
        if not ctx["intake_open"]:
            return closed_page(ctx)
        errors = getattr(exc, "errors", None) or {}
        return render_summary(token, ctx, error=exc.message, errors=errors, status=422 if errors else 409)
    return redirect(url_for(".done", token=token, ref=receipt["reference"]))
