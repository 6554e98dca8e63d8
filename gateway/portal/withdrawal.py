"""撤回: the enterprise takes back a declaration that waits at a level while
no reviewer there has acted on it. Review decides (can_withdraw, withdraw
at the revision the enterprise saw); the 撤回 button appears on 查看 and in
the 认定申报 list only when review says it can, and 确认撤回 on a page of its
own confirms it."""
import time
import uuid

from flask import flash, redirect, render_template, request, url_for

from gateway import rpc
from gateway.auth import login_required
from gateway.portal import bp
from gateway.rpc import ServiceUnavailable
from services.common import contracts as c
from services.common.errors import ServiceError

BASE = "/center/declarations"
PENDING = tuple(c.PENDING_STATE_OF_LEVEL.values())
DONE = "申报已撤回，您可以修改后再次提交。"
UNAVAILABLE = "暂时无法撤回，请稍后再试"
SETTLE_TRIES, SETTLE_PAUSE = 20, 0.1  # how long 撤回 waits for declarations to show 已撤回 (at most 2 s)


def withdrawal_of(declaration):
    """Review's answer ({can, reason, revision, ...}) for a declaration that
    waits at a level; None for any other, or when review does not answer."""
    if declaration.get("state") not in PENDING:
        return None
    try:
        return rpc(c.REVIEW, c.REVIEW_CAN_WITHDRAW, declaration["id"])
    except (ServiceUnavailable, ServiceError):
        return None


@bp.app_template_global("withdrawal")
def withdrawal(declaration):
    """For the templates: whether to show 撤回 for this declaration."""
    return withdrawal_of(declaration)


def _revision():
    try:
        return int(request.form.get("revision", ""))
    except ValueError:
        return None


def _key():
    """The confirmation's idempotency key: a repeated 确认撤回 acts once."""
    return request.form.get("idempotency_key", "").strip()[:64] or None


def _settled(declaration_id):
    """Wait a moment for declarations to apply review's 撤回, so that the
    page after it shows 已撤回; True once it does."""
    for _ in range(SETTLE_TRIES):
        if rpc(c.DECLARATIONS, "get", declaration_id)["state"] == c.WITHDRAWN:
            return True
        time.sleep(SETTLE_PAUSE)
    return False


@bp.route(BASE + "/<declaration_id>/withdraw", methods=["GET", "POST"])
@login_required
def declaration_withdraw(declaration_id):
    """GET: the confirmation (what 撤回 means); POST 确认撤回: review
    decides, at the revision the confirmation showed."""
    d = rpc(c.DECLARATIONS, "get", declaration_id)
    view = url_for("portal.declaration_view", declaration_id=declaration_id)
    if request.method == "POST":
        try:
            rpc(c.REVIEW, c.REVIEW_WITHDRAW, declaration_id, _revision(), idempotency_key=_key())
        except ServiceError as exc:  # e.g. a reviewer acted first: review says why
            flash(f"未能撤回：{exc.message}", "error")
            return redirect(view)
        except ServiceUnavailable:
            flash(UNAVAILABLE, "error")
            return redirect(view)
        flash(DONE if _settled(declaration_id) else DONE + "状态稍后更新，请刷新页面。", "success")
        return redirect(view)
    can = withdrawal_of(d)
    if not can or not can["can"]:
        flash(f"不能撤回：{can['reason']}" if can else "该申报当前不能撤回", "error")
        return redirect(view)
    return render_template("portal/declarations_withdraw.html", d=d, can=can, active="declarations",
                           idempotency_key=uuid.uuid4().hex)
