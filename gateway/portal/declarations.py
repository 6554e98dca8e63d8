"""用户中心 → 双创基地 → 认定申报: the enterprise's declarations, 开始申报 →
申报须知和真实性承诺 → 下一步, the main data page, 提交 with its checks, and
查看 with the history. The section pages are declaration_sections and
declaration_attachments."""
from flask import flash, g, jsonify, redirect, request, url_for

from gateway import rpc
from gateway.auth import login_required
from gateway.portal import bp
from gateway.portal.declaration_base import (
    BASE, IDLE_SECONDS, TENANTS, APPLICATION, described, editable_or_view, idem, new_key, order, part, render,
    schemas, tenant_overview,
)
from gateway.rpc import ServiceUnavailable
from services.common import contracts as c
from services.common.errors import BadState, ServiceError, ValidationFailed

ACTORS = {c.ENTERPRISE: "申报企业", c.ADMIN: "管理员", c.REVIEWER: "工信部门"}
LEVEL_ACTORS = {c.COUNTY: "区县工信部门", c.CITY: "设区市工信局", c.PROVINCE: "省工信厅",
                c.ADMIN_RETURN_LEVEL: "管理员"}


def load(declaration_id):
    return rpc(c.DECLARATIONS, c.DECLARATIONS_GET, declaration_id)


@bp.app_template_filter("decl_actor")
def decl_actor(transition):
    if transition["actor_kind"] == c.ENTERPRISE:
        return ACTORS[c.ENTERPRISE]
    if transition.get("level") in LEVEL_ACTORS and transition["to_state"] != c.PENDING_STATE_OF_LEVEL.get(transition.get("level")):
        return LEVEL_ACTORS[transition["level"]]
    if transition["to_state"] in (c.PENDING_CITY, c.PENDING_PROVINCE):
        previous = {c.PENDING_CITY: c.COUNTY, c.PENDING_PROVINCE: c.CITY}[transition["to_state"]]
        return LEVEL_ACTORS[previous]
    return ACTORS.get(transition["actor_kind"], "系统")


# --- the list and 开始申报 ---------------------------------------------------


@bp.get(BASE)
@login_required
def declarations():
    mine = rpc(c.DECLARATIONS, c.DECLARATIONS_LIST_MINE)
    open_batches = rpc(c.DECLARATIONS, c.DECLARATIONS_LIST_OPEN_BATCHES)
    started = {d["batch_id"] for d in mine}
    startable = [b for b in open_batches if b["id"] not in started]
    return render("portal/declarations.html", declarations=mine, startable=startable)


def enterprise_profile():
    """What the account knows of the enterprise, to prefill the 申请表 (a
    convenience: empty when accounts does not answer)."""
    try:
        summary = rpc(c.ACCOUNTS, c.RPC_ENTERPRISE_SUMMARY, g.principal.id)
    except (ServiceUnavailable, ServiceError):
        return {}
    return {
        "enterprise_name": summary.get("name"), "credit_code": summary.get("credit_code"),
        "region_code": summary.get("region_code"), "contact_name": summary.get("contact_name"),
        "contact_mobile": summary.get("contact_phone"),
    }


@bp.route(BASE + "/start/<batch_id>", methods=["GET", "POST"])
@login_required
def declaration_start(batch_id):
    batch = rpc(c.DECLARATIONS, c.DECLARATIONS_GET_BATCH, batch_id)
    error = None
    if request.method == "POST":
        if request.form.get("accept") != "1":
            error = "请阅读申报须知，并勾选真实性承诺后再点击“下一步”"
        else:
            try:
                started = rpc(c.DECLARATIONS, c.DECLARATIONS_START, batch_id, accepted=True,
                              profile=enterprise_profile(), idempotency_key=idem())
            except ValidationFailed as exc:
                error = exc.message
            except (BadState, ServiceError) as exc:
                flash(exc.message, "error")
                return redirect(url_for("portal.declarations"))
            else:
                return redirect(url_for("portal.declaration_main", declaration_id=started["id"]))
    return render("portal/declarations_start.html", 422 if error else 200, batch=batch, error=error,
                  idempotency_key=new_key())


# --- the main data page ---------------------------------------------------------


def tenants_state(d, totals):
    """The 入驻企业 row of the main data page, from the tenants' totals, and
    the message when the 申请表's 入驻企业数 says otherwise."""
    labels = part(TENANTS)["states"]
    if totals is None:
        return {"state": None, "label": "暂时无法获取", "progress": ""}, None
    count = totals.get("count", 0)
    stated = (d["sections"].get(APPLICATION) or {}).get("tenant_count")
    state, mismatch = ("completed" if count else "not_started"), None
    if isinstance(stated, int) and stated != count:
        state = "has_problems"
        mismatch = (f"入驻企业已填报 {count} 家，申请表中的入驻企业数为 {stated} 家，两者不一致："
                    "请邀请其余入驻企业扫码填报，或修改申请表中的入驻企业数后再提交。")
    progress = f"{count} / {stated} 家已填报" if isinstance(stated, int) else f"{count} 家已填报"
    return {"state": state, "label": labels[state], "progress": progress}, mismatch


@bp.get(BASE + "/<declaration_id>")
@login_required
def declaration_main(declaration_id):
    d = load(declaration_id)
    redirect_to = editable_or_view(d)
    if redirect_to:
        return redirect_to
    _entries, totals = tenant_overview(declaration_id)
    states = d["section_states"]
    states[TENANTS], mismatch = tenants_state(d, totals)
    return render("portal/declarations_main.html", d=d, states=states, order=order(), tenant_mismatch=mismatch)


@bp.get(BASE + "/keepalive")
@login_required
def declaration_keepalive():
    """A request that keeps the session alive (the idle warning's 继续登录)."""
    return jsonify({"ok": True, "idle_seconds": IDLE_SECONDS})


# --- 提交 ---------------------------------------------------------------------------


def grouped(problems):
    out = {}
    for p in problems:
        out.setdefault(p["section"], []).append(p)
    return [(key, out[key]) for key in order() if key in out]


def submit_page(d, problems, figures, status=200):
    description = described()
    return render("portal/declarations_submit.html", status, d=d,
                  blocking=grouped([p for p in problems if p["blocking"]]),
                  warnings=grouped([p for p in problems if not p["blocking"]]),
                  figures=figures, idempotency_key=new_key(), order=order(description),
                  schemas=schemas(description))


@bp.get(BASE + "/<declaration_id>/submit")
@login_required
def declaration_submit(declaration_id):
    d = load(declaration_id)
    redirect_to = editable_or_view(d)
    if redirect_to:
        return redirect_to
    check = rpc(c.DECLARATIONS, c.DECLARATIONS_PREFLIGHT, declaration_id)
    return submit_page(d, check["problems"], check["figures"])


@bp.post(BASE + "/<declaration_id>/submit")
@login_required
def declaration_submit_post(declaration_id):
    try:
        result = rpc(c.DECLARATIONS, c.DECLARATIONS_SUBMIT, declaration_id, idempotency_key=idem())
    except BadState as exc:
        flash(exc.message, "error")
        return redirect(url_for("portal.declaration_view", declaration_id=declaration_id))
    if result["submitted"]:
        return redirect(url_for("portal.declaration_submitted", declaration_id=declaration_id))
    return submit_page(load(declaration_id), result["problems"], None, 422)


@bp.get(BASE + "/<declaration_id>/submitted")
@login_required
def declaration_submitted(declaration_id):
    return render("portal/declarations_done.html", d=load(declaration_id))


# --- 查看 -------------------------------------------------------------------------


@bp.get(BASE + "/<declaration_id>/view")
@login_required
def declaration_view(declaration_id):
    d = load(declaration_id)
    entries, totals = tenant_overview(declaration_id)
    description = described()
    return render("portal/declarations_view.html", d=d, entries=entries, totals=totals,
                  schemas=schemas(description), order=order(description))


from gateway.portal import declaration_attachments, declaration_sections  # noqa: E402,F401  (the section pages)
