"""消息队列异常 (admins): the parked events of every service that handles
events, listed through each one's `list_parked` RPC and tried again with
`replay_parked`."""
from flask import flash, redirect, render_template, url_for
from nameko.exceptions import MethodNotFound

from gateway import rpc
from gateway.auth import staff_required
from gateway.console import bp
from gateway.console.exports import log_export, send_workbook
from gateway.rpc import ServiceUnavailable
from services.common import clock
from services.common import contracts as c
from services.common.errors import NotFound

SERVICE_LABELS = {
    c.ACCOUNTS: "账号服务",
    c.DECLARATIONS: "申报服务",
    c.TENANTS: "入驻企业服务",
    c.REVIEW: "审核服务",
    c.NOTIFY: "短信服务",
}


def consumers():
    """The services that handle events, in the contracts' order."""
    named = {consumer for targets in c.EVENTS.values() for consumer in targets}
    return [s for s in c.SERVICES if s in named]


@bp.get("/parked")
@staff_required(c.ADMIN)
def parked_list():
    groups = []
    for service in consumers():
        entry = {"service": service, "label": SERVICE_LABELS.get(service, service), "items": [], "error": None}
        try:
            entry["items"] = rpc(service, c.RPC_LIST_PARKED, timeout=5)
        except (ServiceUnavailable, MethodNotFound):
            entry["error"] = "该服务暂时无法访问，请稍后刷新"
        groups.append(entry)
    return render_template("console/parked.html", groups=groups, active="parked")


@bp.get("/parked/export")
@staff_required(c.ADMIN)
def parked_export():
    rows = []
    for service in consumers():
        try:
            items = rpc(service, c.RPC_LIST_PARKED, timeout=5)
        except (ServiceUnavailable, MethodNotFound):
            continue
        log_export(service, "export.list", "消息队列异常")
        rows += [[SERVICE_LABELS.get(service, service), clock.show(m["parked_at"], clock.SECOND_FORMAT), m["handler"], m["event_id"],
                  m["attempts"], m["last_error"]] for m in items]
    return send_workbook("消息队列异常", ["服务", "暂存时间", "消息队列", "事件编号", "尝试次数", "错误"], rows,
                         "消息队列异常")


@bp.post("/parked/<service>/<parked_id>/replay")
@staff_required(c.ADMIN)
def parked_replay(service, parked_id):
    if service not in consumers():
        flash("没有找到该服务", "error")
        return redirect(url_for("console.parked_list"))
    try:
        rpc(service, c.RPC_REPLAY_PARKED, parked_id)
    except NotFound as exc:
        flash(exc.message, "error")
    else:
        flash("已重新处理该条消息，若仍失败将再次列出", "success")
    return redirect(url_for("console.parked_list"))
