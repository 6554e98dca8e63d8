"""The console's 公示 page (/console/publicity): the province selects cases
待公示 into a new 公示 with a title and a period; the notices so far, with
their cases. The review service decides who may do what (province
reviewers select; admins read)."""
import uuid

from flask import flash, g, redirect, render_template, request, url_for

from gateway import rpc
from gateway.auth import staff_required
from gateway.console import bp
from services.common import clock, contracts
from services.common.errors import BadState, ValidationFailed

FIELDS = {"title": ("publicity-title", "公示标题"), "starts_on": ("publicity-starts", "公示开始日期"),
          "ends_on": ("publicity-ends", "公示结束日期"), "declaration_ids": ("publicity-cases", "选择申报")}


def _context(values=None, errors=None):
    province = g.principal.kind == contracts.REVIEWER and g.principal.level == contracts.PROVINCE
    candidates = rpc(contracts.REVIEW, contracts.REVIEW_PUBLICITY_CANDIDATES, 1) if province else None
    notices = rpc(contracts.REVIEW, contracts.REVIEW_LIST_PUBLICITY, request.args.get("page", "1"))
    return {
        "active": "publicity", "candidates": candidates, "notices": notices, "fields": FIELDS,
        "values": values or {"selected": []}, "errors": errors or {},
        "today": clock.beijing_today().isoformat(), "idempotency_key": str(uuid.uuid4()),
    }


@bp.get("/publicity")
@staff_required()
def publicity_page():
    return render_template("console/publicity.html", **_context())


@bp.post("/publicity")
@staff_required(contracts.REVIEWER)
def publicity_start():
    form = request.form
    values = {"title": (form.get("title") or "").strip()[:200], "starts_on": form.get("starts_on", "")[:10],
              "ends_on": form.get("ends_on", "")[:10], "selected": form.getlist("declaration_id")[:500]}
    try:
        notice = rpc(contracts.REVIEW, contracts.REVIEW_START_PUBLICITY, values["title"], values["starts_on"],
                     values["ends_on"], values["selected"],
                     idempotency_key=form.get("idempotency_key") or str(uuid.uuid4()))
    except ValidationFailed as exc:
        return render_template("console/publicity.html", **_context(values, exc.errors or {})), 422
    except BadState as exc:
        flash(exc.message, "error")
        return redirect(url_for("console.publicity_page"))
    flash(f"已发布公示“{notice['title']}”，共{notice['count']}个申报", "success")
    return redirect(url_for("console.publicity_page"))
