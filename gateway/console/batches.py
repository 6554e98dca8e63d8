"""申报批次 in the console (admins): list, create and edit a batch — its
dates, kind, notice, thresholds, whether they block 提交, and the required
attachment categories. The form is drawn from the description the
declarations service serves (describe_batch_form); the service checks and
stores it, and keeps what a form did not carry."""
import uuid

from flask import flash, redirect, render_template, request, url_for

from gateway import descriptions, rpc
from gateway.auth import staff_required
from gateway.console import bp
from gateway.console.exports import log_export, send_workbook
from services.common import contracts as c
from services.common.errors import ValidationFailed


def described():
    return descriptions.get(c.DECLARATIONS, c.DECLARATIONS_DESCRIBE_BATCH_FORM)


def typed(description):
    """The fields the form carried, of every part."""
    carried = descriptions.carried_keys(request.form) or set(request.form.keys())
    answers = descriptions.carried_answers(description, request.form, carried)
    return {key: value for part in answers.values() for key, value in part.items()}


def render_form(batch_id, values, errors, description=None):
    parts = {p["key"]: p for p in (description or described())["parts"]}
    table = parts["category_minimums"]
    cells = iter(table["fields"])
    return render_template(
        "console/batch_form.html", batch_id=batch_id, values=values, errors=errors,
        fields=[f for p in parts.values() for f in p["fields"]],
        general=parts["general"]["fields"], thresholds=parts["thresholds"]["fields"],
        categories=[(category, [(next(cells)["key"], m["label"]) for m in table["measures"]])
                    for category in table["categories"]],
        measures=[(m["key"], m["label"], m["unit"]) for m in table["measures"]],
        idempotency_key=uuid.uuid4().hex, active="batches",
    ), (422 if errors else 200)


def save(batch_id):
    description = described()
    values = typed(description)
    try:
        rpc(c.DECLARATIONS, c.DECLARATIONS_SAVE_BATCH, values, batch_id=batch_id,
            idempotency_key=request.form.get("idempotency_key") or None)
    except ValidationFailed as exc:
        return render_form(batch_id, values, exc.errors or {"name": exc.message}, description)
    flash("申报批次已保存", "success")
    return redirect(url_for("console.batches"))


@bp.get("/batches")
@staff_required(c.ADMIN)
def batches():
    return render_template("console/batches.html", batches=rpc(c.DECLARATIONS, c.DECLARATIONS_LIST_BATCHES),
                           active="batches")


@bp.get("/batches/export")
@staff_required(c.ADMIN)
def batches_export():
    rows = rpc(c.DECLARATIONS, c.DECLARATIONS_LIST_BATCHES)
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
    return render_form(batch_id, rpc(c.DECLARATIONS, c.DECLARATIONS_BATCH_FORM, batch_id), {})
