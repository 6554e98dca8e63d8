"""Tenant intake pages (mobile, opened from a QR code in WeChat).

No login: the signed link token in the URL opens the declaration's intake,
and a device cookie names the phone to the tenants service (its entries, a
reopened entry to correct, the rate limits).

Two ways through the same steps (所属基地信息 → 基本信息 → 运营数据 → 核对 →
确认提交), both drawn from the steps' description the tenants service serves
(`describe_steps`, cached by gateway.descriptions):
- one page (gateway.intake.pages): the steps live in the phone's page
  (static/intake.js, kept in the phone's storage across reloads) and reach
  the tenants service once, at 确认提交, where they are checked in full;
- a page per step (gateway.intake.step_pages), for a phone without
  scripts: each step is saved to the device's draft in the service.
"""
import secrets

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, url_for

from gateway import client_ip, descriptions, rpc
from services.common import config as cfg
from services.common import contracts
from services.common import personal_data
from services.common.errors import BadState, NotFound, RateLimited

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


def closed(exc, status):
    return render_template("intake/closed.html", message=exc.message), status


@bp.errorhandler(NotFound)
def invalid_link(exc):
    return closed(exc, 404)


@bp.errorhandler(BadState)
def closed_link(exc):
    return closed(exc, 410)


@bp.errorhandler(RateLimited)
def too_many(exc):
    """Over the service's caps: the same mobile page, with the wait."""
    response = make_response(closed(exc, 429))
    if exc.retry_after:
        response.headers["Retry-After"] = str(int(exc.retry_after))
    return response


def context(token):
    """What a page shows (one tenants RPC) with the steps' description (from
    the gateway's cache, fetched again only when the context's hash says
    the service now describes them differently)."""
    ctx = rpc(contracts.TENANTS, contracts.TENANTS_INTAKE_CONTEXT, token, g.device_id, client_ip())
    described = descriptions.get(contracts.TENANTS, contracts.TENANTS_DESCRIBE_STEPS, ctx.get("description_hash"))
    ctx["description"] = described
    ctx["steps"] = described["parts"]
    ctx["step_keys"] = [part["key"] for part in described["parts"]]
    return ctx


def first_open_step(ctx):
    return next((key for key in ctx["step_keys"] if key not in ctx["completed_steps"]), None)


def closed_page(ctx):
    return render_template("intake/closed.html", message=ctx["closed_message"], base_name=ctx["base_name"])


def answers(ctx, values):
    """The answers by step, labelled, for a summary: `values` {step: {field: value}}."""
    out = []
    for part in ctx["steps"]:
        given = values.get(part["key"], {})
        items = []
        for field in part["fields"]:
            value = given.get(field["key"])
            if isinstance(value, list):
                text = "、".join(value) if value else "无"
            elif value in (None, ""):
                text = "未填写"
            else:
                text = f"{value} {field.get('unit') or ''}".strip()
            items.append({"label": field["label"], "text": text, "key": field["key"]})
        out.append({"key": part["key"], "label": part["label"], "items": items})
    return out


@bp.get("/<token>/done")
def done(token):
    ref = request.args.get("ref", "")
    kept = receipts.shown(ref, g.device_id)
    if kept is not None:  # the receipt that came with 确认提交's answer
        return render_template("intake/done.html", ctx={"base_name": kept["base_name"]}, token=token, receipt=kept)
    ctx = context(token)
    receipt = next((entry for entry in ctx["submitted_here"] if entry["reference"] == ref), None)
    if receipt is None:
        return redirect(url_for(".start", token=token))
    return render_template("intake/done.html", ctx=ctx, token=token, receipt=receipt)


@bp.app_context_processor
def privacy_notice():
    """The personal-data notice of the intake pages (intake/_notice.html) and
    the categories of the rules page (portal/privacy.html), from
    services.common.personal_data."""
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
        opened = rpc(contracts.TENANTS, contracts.TENANTS_RESOLVE_SHORT, short_id)
    except NotFound as exc:
        return _no_store(closed(exc, 404))
    except BadState as exc:
        return _no_store(closed(exc, 410))
    return _no_store(redirect(url_for("intake.start", token=opened["token"])))


def _no_store(result):
    response = make_response(result)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


from gateway.intake import pages, receipts, step_pages  # noqa: E402,F401  (their routes join `bp`)
