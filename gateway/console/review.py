"""The console's review pages (/console/cases): the inbox with its tabs,
counts and search, the export to Excel, the case page with the declaration
read-only and its history, the actions (each with a confirmation step) and the
province level's notes (offline steps, objections during a 公示). 认定 asks
for the batch's 认定文号; the 证书编号 and validity come back from review.

Scope is decided by the review service from the signed principal on every
call; these pages only show what it answers.
"""
import uuid

from flask import abort, flash, g, redirect, render_template, request, url_for
from nameko.exceptions import MethodNotFound, RemoteError

from gateway import rpc
from gateway.auth import staff_required
from gateway.console import bp
from gateway.console.evidence import submitted_roll
from gateway.console.exports import log_export, send_book
from gateway.console.names import name_people
from gateway.rpc import ServiceUnavailable
from services.common import contracts as c
from services.common import clock, regions, spreadsheets
from services.common.errors import BadState, Conflict, ServiceError, ValidationFailed

TABS = (("todo", "待审核"), ("processed", "我已处理"), ("all", "全部申报"))
FILTERS = ("q", "credit_code", "batch_id", "state", "region_code")
LISTED_STATES = [s for s in c.STATE_LABELS if s != c.DRAFT]
EXPORT_PAGE = 500
PAGE_TOKEN_MAX = 200

# action -> (button label, what the confirmation page says, reason label or None, reason required)
ACTIONS = {
    "approve": ("通过", "通过后将提交至上一级审核；省级通过后进入待公示", "审核意见", False),
    "recognise": ("认定", "认定后申报状态为“已认定”，生成证书编号和有效期，企业将收到通知", "认定意见", False),
    "return": ("退回", "退回后企业可修改并再次提交", "退回原因", True),
    "reject": ("不通过", "不通过后本次申报结束，企业将收到通知", "不通过原因", True),
    "admin_return": ("管理员退回", "退回后企业可修改注册地区等信息并再次提交，将从区县级重新审核", "退回原因", True),
}
RPC_OF_ACTION = {
    "approve": c.REVIEW_APPROVE,
    "recognise": c.REVIEW_APPROVE,
    "return": c.REVIEW_RETURN,
    "reject": c.REVIEW_REJECT,
    "admin_return": c.REVIEW_ADMIN_RETURN,
}
DOCUMENT_NUMBER_MAX = 100


def current_filters(args):
    """The search as the user typed it (strings only, nothing else)."""
    filters = {key: (args.get(key) or "").strip()[:100] for key in FILTERS}
    tab = args.get("tab") or "todo"
    filters["tab"] = tab if tab in dict(TABS) else "todo"
    return filters


def region_choices(principal):
    """The regions a reviewer may filter by: inside its own scope."""
    if principal.kind == c.REVIEWER and principal.level == c.COUNTY:
        return []
    if principal.kind == c.REVIEWER and principal.level == c.CITY:
        return [(code, name) for code, name in regions.counties(principal.region_code)]
    choices = []
    for city in regions.tree():
        choices.append((city["code"], city["name"]))
        for county in city["counties"]:
            choices.append((county["code"], f"{city['name']} · {county['name']}"))
    return choices


def page_token(args):
    """The page asked for: the service's `after` / `before` token (下一页 /
    上一页), or a page number from an older link; the first page otherwise."""
    for key in ("after", "before"):
        token = (args.get(key) or "").strip()
        if token:
            return {key: token[:PAGE_TOKEN_MAX]}
    return {"page": (args.get("page") or "1")[:7]}


def _query(filters, **changes):
    params = {k: v for k, v in {**filters, **changes}.items() if v not in (None, "")}
    return params


@bp.get("/cases")
@staff_required()
def cases_inbox():
    filters = current_filters(request.args)
    result = rpc(c.REVIEW, c.REVIEW_LIST_CASES, {**filters, **page_token(request.args), "per_page": 20})
    return render_template(
        "console/inbox.html",
        active="cases",
        result=result,
        filters=filters,
        tabs=TABS,
        states=[(s, c.STATE_LABELS[s]) for s in LISTED_STATES],
        region_choices=region_choices(g.principal),
        query=lambda **changes: _query(filters, **changes),
        second_factor=rpc(c.ACCOUNTS, c.ACCOUNTS_SECOND_FACTOR_STATUS),
    )


# --- export ---------------------------------------------------------------------

EXPORT_COLUMNS = ("申报编号", "申报批次", "基地名称", "运营主体", "统一社会信用代码", "注册地区", "联系人", "联系手机",
                  "状态", "提交时间")


def export_rows(filters):
    """Every row of the filtered list, a keyset page of the service at a
    time (each page follows the token of the last; no counts are asked)."""
    token = None
    while True:
        paging = {"after": token} if token else {}
        result = rpc(c.REVIEW, c.REVIEW_LIST_CASES, {**filters, **paging, "per_page": EXPORT_PAGE, "rows_only": True})
        yield result
        token = result.get("next")
        if not token:
            return


def build_workbook(filters):
    """The .xlsx of the filtered list (write-only: rows are not kept in
    memory); the key figures, tenant counts among them, follow the fixed
    columns."""
    book = spreadsheets.Book(write_only=True)
    sheet = None
    for result in export_rows(filters):
        if sheet is None:
            labels = result["figure_labels"]
            sheet = book.sheet("申报列表", header=list(EXPORT_COLUMNS) + labels, widths=18)
        for item in result["items"]:
            figures = dict((label, value) for label, value in item["figures"])
            sheet.append(
                [
                    item.get("reference"),
                    item["batch_name"],
                    item["base_name"],
                    item["enterprise_name"],
                    item["credit_code"],
                    item["region_name"],
                    item.get("contact"),
                    item.get("contact_mobile"),
                    item["state_label"],
                    clock.show(item["submitted_at"]),
                ]
                + [figures.get(label) for label in labels]
            )
    return book


@bp.get("/cases/export")
@staff_required()
def cases_export():
    filters = current_filters(request.args)
    book = build_workbook(filters)
    log_export(c.REVIEW, "export.cases", "申报列表", filters)
    return send_book(book, "双创基地申报列表")


# --- the case page --------------------------------------------------------------


def _declarations(method, *args):
    """A read of the declarations service for the case page; None (and a note
    on the page) when it cannot answer, so the review part still shows."""
    try:
        return rpc(c.DECLARATIONS, method, *args)
    except (ServiceUnavailable, ServiceError, MethodNotFound, RemoteError):
        g.setdefault("declaration_unavailable", True)
        return None


def case_context(declaration_id):
    case = rpc(c.REVIEW, c.REVIEW_GET_CASE, declaration_id)
    name_people(case["history"] + case["notes"])
    declaration = _declarations(c.DECLARATIONS_GET, declaration_id)
    described = _declarations(c.DECLARATIONS_DESCRIBE_SECTIONS) if declaration else None
    if declaration and not described:
        declaration = None
    entries = totals = None
    if declaration:
        try:
            entries = rpc(c.TENANTS, c.TENANTS_LIST_ENTRIES, declaration_id)
            totals = rpc(c.TENANTS, c.TENANTS_TOTALS, declaration_id)
        except (ServiceUnavailable, ServiceError, MethodNotFound, RemoteError):
            entries = totals = None
    roll = submitted_roll(declaration_id, case.get("version"))
    if roll:  # the 入驻企业 as submitted, not as they are now
        entries, totals = roll["entries"], roll["totals"]
    changes = None
    if case["resubmission"] and case["returned_version"] and case["returned_version"] < case["version"]:
        changes = _declarations(c.DECLARATIONS_DIFF, declaration_id, case["returned_version"], case["version"])
    return {
        "active": "cases",
        "case": case,
        "declaration": declaration,
        "schemas": {s["key"]: s.get("fields", []) for s in (described or {}).get("parts", [])},
        "order": [s["key"] for s in (described or {}).get("parts", [])],
        "entries": entries,
        "totals": totals,
        "roll": roll,
        "region_name": regions.full_name,
        "changes": changes,
        "declaration_unavailable": g.get("declaration_unavailable", False),
        "actions": available_actions(case),
        "ACTIONS": ACTIONS,
        "note_steps": case.get("note_steps", []),
        "idempotency_key": str(uuid.uuid4()),
        "today": clock.beijing_today().isoformat(),
    }


def available_actions(case):
    can = case["can"]
    actions = []
    if can["review"]:
        if can.get("approve", True):
            actions.append("recognise" if can["approve_is_final"] else "approve")
        actions += ["return", "reject"]
    if can["admin_return"]:
        actions.append("admin_return")
    return actions


@bp.get("/cases/<declaration_id>")
@staff_required()
def case_page(declaration_id):
    return render_template("console/case.html", **case_context(declaration_id))


def _action_form():
    form = request.form
    return {
        "reason": (form.get("reason") or "").strip(),
        "sections": [s for s in form.getlist("sections") if s in c.SECTIONS],
        "revision": form.get("revision", ""),
        "document_number": (form.get("document_number") or "").strip()[:DOCUMENT_NUMBER_MAX],
        "idempotency_key": form.get("idempotency_key") or str(uuid.uuid4()),
    }


@bp.post("/cases/<declaration_id>/<action>")
@staff_required()
def case_action(declaration_id, action):
    """First POST: the confirmation page (确认…); the second, with confirm=1,
    acts. A missing reason is shown in red beside the field."""
    if action not in ACTIONS:
        abort(404)
    label, _, reason_label, reason_required = ACTIONS[action]
    values = _action_form()
    errors = {}
    if reason_required and not values["reason"]:
        errors["reason"] = f"请填写{reason_label}"
    if action == "recognise" and not values["document_number"]:
        errors["document_number"] = "请填写认定文件的文号"
    if errors or request.form.get("confirm") != "1":
        context = case_context(declaration_id)
        if action not in context["actions"]:
            flash(f"当前不能执行“{label}”，请刷新后查看", "error")
            return redirect(url_for("console.case_page", declaration_id=declaration_id))
        template = "console/case.html" if errors else "console/case_confirm.html"
        context.update(pending_action=action, values=values, errors=errors)
        return render_template(template, **context), (422 if errors else 200)

    args = [declaration_id, values["revision"]]
    if action == "approve":
        args.append(values["reason"] or None)
    elif action == "recognise":
        args += [values["reason"] or None, values["document_number"]]
    elif action == "reject":
        args.append(values["reason"])
    else:
        args += [values["reason"], values["sections"]]
    try:
        rpc(c.REVIEW, RPC_OF_ACTION[action], *args, idempotency_key=values["idempotency_key"])
    except (Conflict, BadState) as exc:
        flash(exc.message, "error")
        return redirect(url_for("console.case_page", declaration_id=declaration_id))
    except ValidationFailed as exc:
        context = case_context(declaration_id)
        context.update(pending_action=action, values=values, errors=exc.errors or {"reason": exc.message})
        return render_template("console/case.html", **context), 422
    flash(f"已{label}", "success")
    return redirect(url_for("console.case_page", declaration_id=declaration_id))


@bp.post("/cases/<declaration_id>/notes")
@staff_required(c.REVIEWER)
def case_note(declaration_id):
    form = request.form
    try:
        rpc(
            c.REVIEW, c.REVIEW_ADD_NOTE, declaration_id, form.get("step", ""), form.get("noted_on", ""),
            form.get("text", ""), idempotency_key=form.get("idempotency_key") or str(uuid.uuid4()),
        )
    except ValidationFailed as exc:
        context = case_context(declaration_id)
        context.update(note_errors=exc.errors, note_values=dict(form))
        return render_template("console/case.html", **context), 422
    except BadState as exc:
        flash(exc.message, "error")
        return redirect(url_for("console.case_page", declaration_id=declaration_id))
    flash("审核环节记录已保存", "success")
    return redirect(url_for("console.case_page", declaration_id=declaration_id) + "#notes")
