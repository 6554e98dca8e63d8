"""Tenant intake pages (mobile, opened from a QR code in WeChat).

No login: the signed link token in the URL opens the declaration's intake,
and a device cookie keeps the draft of a tenant who closes WeChat midway.
Pages: 所属基地信息 → 基本信息 → 运营数据 → summary → 确认提交 → success.
"""
import secrets

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, url_for

from gateway import client_ip, rpc
from services.common import config as cfg
from services.common import contracts as c
from services.common.errors import BadState, Conflict, NotFound, RateLimited, ValidationFailed

bp = Blueprint("intake", __name__)

DEVICE_COOKIE = "sme_intake_device"
DEVICE_MAX_AGE = 180 * 24 * 3600


@bp.before_request
def device():
    """The device id from its cookie, or a new one (set after the request)."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    if not (16 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum()):
        value = secrets.token_urlsafe(24)
        g.new_device = True
    g.device_id = value


@bp.after_request
def keep_device(response):
    if g.get("new_device"):
        response.set_cookie(
            DEVICE_COOKIE,
            g.device_id,
            max_age=DEVICE_MAX_AGE,
            path="/intake",
            httponly=True,
            samesite="Lax",
            secure=cfg.is_production(current_app.config.get("SERVICES_CONFIG")),
        )
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("Referrer-Policy", "no-referrer")  # the token is in the URL
    return response


def _closed(exc, status):
    return render_template("intake/closed.html", message=exc.message), status


@bp.errorhandler(NotFound)
def invalid_link(exc):
    return _closed(exc, 404)


@bp.errorhandler(BadState)
def closed_link(exc):
    return _closed(exc, 410)


@bp.errorhandler(RateLimited)
def too_many(exc):
    """Over the service's caps: the same mobile page, with the wait."""
    response = make_response(_closed(exc, 429))
    if exc.retry_after:
        response.headers["Retry-After"] = str(int(exc.retry_after))
    return response


def context(token):
    ctx = rpc(c.TENANTS, c.TENANTS_INTAKE_CONTEXT, token, g.device_id, client_ip())
    ctx["fields_by_step"] = {s["key"]: s["fields"] for s in ctx["steps"]}
    ctx["titles"] = {s["key"]: s["title"] for s in ctx["steps"]}
    return ctx


def first_open_step(ctx):
    for s in ctx["steps"]:
        if s["key"] not in ctx["completed_steps"]:
            return s["key"]
    return None


def closed_page(ctx):
    return render_template("intake/closed.html", message=ctx["closed_message"], base_name=ctx["base_name"])


@bp.get("/<token>")
def start(token):
    ctx = context(token)
    if not ctx["intake_open"]:
        return closed_page(ctx)
    step = first_open_step(ctx)
    target = url_for(".step", token=token, step=step) if step else url_for(".summary", token=token)
    return render_template("intake/start.html", ctx=ctx, token=token, target=target)


def raw_form():
    """Every posted field (lists for repeated names, e.g. 资质); the service
    keeps only the step's own fields."""
    return {key: (values if len(values) > 1 else values[0]) for key, values in request.form.lists()
            if key != "csrf_token"}


@bp.route("/<token>/step/<step>", methods=["GET", "POST"])
def step(token, step):
    errors, posted = {}, None
    status = 200
    if request.method == "POST":
        # Save first (one RPC on the happy path); the page is drawn only to
        # show red messages.
        posted = raw_form()
        try:
            result = rpc(c.TENANTS, c.TENANTS_SAVE_INTAKE_STEP, token, step, posted, g.device_id, client_ip())
        except ValidationFailed as exc:
            errors = exc.errors or {"_": exc.message}
            status = 422
        else:
            nxt = result["next_step"]
            if nxt:
                return redirect(url_for(".step", token=token, step=nxt))
            return redirect(url_for(".summary", token=token))
    ctx = context(token)
    if not ctx["intake_open"]:
        return closed_page(ctx)
    keys = [s["key"] for s in ctx["steps"]]
    if step not in keys:
        return render_template("intake/closed.html", message="页面不存在"), 404
    fields = ctx["fields_by_step"][step]
    if posted is not None:
        values = {f["key"]: (request.form.getlist(f["key"]) if f["type"] == "multichoice"
                             else request.form.get(f["key"], "")) for f in fields}
    else:
        values = ctx["draft"].get(step, {})
    index = keys.index(step)
    return (
        render_template(
            "intake/step.html",
            ctx=ctx,
            token=token,
            step=step,
            title=ctx["titles"][step],
            number=index + 1,
            total=len(keys),
            previous=keys[index - 1] if index else None,
            fields=fields,
            values=values,
            errors=errors,
        ),
        status,
    )


def answers(ctx):
    out = []
    for s in ctx["steps"]:
        values = ctx["draft"].get(s["key"], {})
        items = []
        for f in s["fields"]:
            value = values.get(f["key"])
            if isinstance(value, list):
                text = "、".join(value) if value else "无"
            elif value in (None, ""):
                text = "未填写"
            else:
                text = f"{value} {f.get('unit') or ''}".strip()
            items.append({"label": f["label"], "text": text, "key": f["key"]})
        out.append({"key": s["key"], "title": s["title"], "items": items})
    return out


def render_summary(token, ctx, error=None, errors=None, status=200):
    return (
        render_template(
            "intake/summary.html", ctx=ctx, token=token, answers=answers(ctx), error=error, errors=errors or {}
        ),
        status,
    )


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
        receipt = rpc(c.TENANTS, c.TENANTS_SUBMIT_INTAKE, token, g.device_id, client_ip(),
                      notice=request.form.get("notice") or None)
    except (ValidationFailed, Conflict) as exc:
        ctx = context(token)
        if not ctx["intake_open"]:
            return closed_page(ctx)
        errors = getattr(exc, "errors", None) or {}
        return render_summary(token, ctx, error=exc.message, errors=errors, status=422 if errors else 409)
    return redirect(url_for(".done", token=token, ref=receipt["reference"]))


@bp.get("/<token>/done")
def done(token):
    ctx = context(token)
    ref = request.args.get("ref", "")
    receipt = next((e for e in ctx["submitted_here"] if e["reference"] == ref), None)
    if receipt is None:
        return redirect(url_for(".start", token=token))
    return render_template("intake/done.html", ctx=ctx, token=token, receipt=receipt)


@bp.app_context_processor
def privacy_notice():
    """The personal-data notice of the intake pages (intake/_notice.html) and
    the categories of the rules page (portal/privacy.html), from
    services.common.personal_data."""
    from services.common import personal_data

    config = current_app.config["SERVICES_CONFIG"]

    def notice():
        return {
            "version": personal_data.NOTICE_VERSION,
            "controller": personal_data.CONTROLLER,
            "contact": personal_data.CONTACT,
            "recognised_years": personal_data.retention("recognised", config),
        }

    return {"privacy_notice": notice, "personal_data_categories": lambda: personal_data.describe(config)}
# --- the short link a QR code encodes ----------------------------------------------

short_bp = Blueprint("intake_short", __name__)


@short_bp.get("/q/<short_id>")
def short_link(short_id):
    """A scanned QR code: the tenants service looks the opaque id up and the
    phone goes on to the intake pages (a revoked or expired code says so)."""
    try:
        opened = rpc(c.TENANTS, c.TENANTS_RESOLVE_SHORT, short_id)
    except NotFound as exc:
        return _no_store(_closed(exc, 404))
    except BadState as exc:
        return _no_store(_closed(exc, 410))
    return _no_store(redirect(url_for("intake.start", token=opened["token"])))


def _no_store(result):
    response = make_response(result)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
