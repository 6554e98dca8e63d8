"""申报批次 in the console (admins): list, create and edit a batch — its
dates, kind, notice, thresholds, whether they block 提交, and the required
attachment categories. The declarations service checks and stores it."""
import uuid

from flask import flash, redirect, render_template, request, url_for

from gateway import rpc
from gateway.auth import staff_required
from gateway.console import bp
from gateway.console.exports import log_export, send_workbook
from services.common import contracts as c
from services.common.errors import ValidationFailed
from services.declarations import checks
from services.declarations.batches import BATCH_SCHEMA
from services.declarations.sections import SERVICE_CATEGORIES


def typed():
    values = {}
    for f in BATCH_SCHEMA:
        values[f.key] = request.form.getlist(f.key) if f.kind == "multichoice" else request.form.get(f.key, "")
    return values


def render_form(batch_id, values, errors):
    fields = BATCH_SCHEMA.describe()
    threshold_keys = set(checks.ALL_THRESHOLD_KEYS)
    return render_template(
        "console/batch_form.html", batch_id=batch_id, values=values, errors=errors, fields=fields,
        general=[f for f in fields if f["key"] not in threshold_keys],
        thresholds=[f for f in fields if f["key"] in checks.THRESHOLD_KEYS],
        categories=[
            (category, [(f"cat{i}_{m}", label) for m, label, _unit in checks.MEASURES])
            for i, category in enumerate(SERVICE_CATEGORIES, start=1)
        ],
        measures=checks.MEASURES,
        idempotency_key=uuid.uuid4().hex, active="batches",
    ), (422 if errors else 200)


def save(batch_id):
    values = typed()
    try:
        rpc(c.DECLARATIONS, "save_batch", values, batch_id=batch_id,
            idempotency_key=request.form.get("idempotency_key") or None)
    except ValidationFailed as exc:
        return render_form(batch_id, values, exc.errors or {"name": exc.message})
    flash("申报批次已保存", "success")
    return redirect(url_for("console.batches"))


@bp.get("/batches")
@staff_required(c.ADMIN)
def batches():
    return render_template("console/batches.html", batches=rpc(c.DECLARATIONS, "list_batches"), active="batches")


@bp.get("/batches/export")
@staff_required(c.ADMIN)
def batches_export():
    rows = rpc(c.DECLARATIONS, "list_batches")
    log_export(c.DECLARATIONS, "export.list", "申报批次列表")
    return send_workbook(
        "申报批次", ["批次名称", "年度", "类型", "申报开始", "申报截止", "补正截止", "未达门槛时", "门槛数",
                  "必须上传的附件"],
        ([b["name"], b["year"], b["kind"], b["opens_on"], b["closes_on"], b["resubmit_until_day"],
          "不允许提交" if b["thresholds_block"] else "仅提示", len(b["thresholds"]), b["required_attachments"]]
         for b in rows),
        "申报批次列表",
    )


@bp.route("/batches/new", methods=["GET", "POST"])
@staff_required(c.ADMIN)
def batch_new():
    if request.method == "POST":
        return save(None)
    return render_form(None, {"kind": "首次申报", "thresholds_block": "仅提示", "max_attachment_mb": 20,
                              "required_attachments": []}, {})


@bp.route("/batches/<batch_id>", methods=["GET", "POST"])
@staff_required(c.ADMIN)
def batch_edit(batch_id):
    if request.method == "POST":
        return save(batch_id)
    return render_form(batch_id, rpc(c.DECLARATIONS, "batch_form", batch_id), {})
