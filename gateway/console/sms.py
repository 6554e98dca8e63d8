"""The admin's 短信记录 page: the delivery log of the notify service."""
from flask import render_template, request, url_for

from gateway import rpc
from gateway.auth import staff_required
from gateway.console import bp
from gateway.console.exports import log_export, send_workbook
from services.common import clock
from services.common import contracts as c
from services.common.errors import ValidationFailed

FILTERS = ("phone", "state", "template", "source", "date_from", "date_to")
STATES = {
    "queued": "待发送",
    "sending": "发送中",
    "sent": "已发送",
    "failed": "发送失败",
    "unknown": "结果未知",
    "refused": "已拒绝",
}
TEMPLATES = {
    c.SMS_VERIFICATION_CODE: "验证码",
    c.SMS_USERNAME_REMINDER: "用户名提醒",
    c.SMS_DECLARATION_SUBMITTED: "申报已提交",
    c.SMS_DECLARATION_RETURNED: "申报已退回",
    c.SMS_DECLARATION_APPROVED: "申报已认定",
    c.SMS_DECLARATION_REJECTED: "申报未通过",
    c.SMS_REVIEW_DIGEST: "审核提醒",
    c.SMS_RECOGNITION_EXPIRING: "认定到期提醒",
}
SOURCES = {c.ACCOUNTS: "账号服务", c.DECLARATIONS: "申报服务", c.REVIEW: "审核服务"}


EXPORT_MAX_PAGES = 2000


@bp.get("/sms/export")
@staff_required(c.ADMIN)
def sms_export():
    filters = {name: request.args.get(name, "").strip() for name in FILTERS}
    query = {k: v for k, v in filters.items() if v}
    try:
        first = rpc(c.NOTIFY, c.NOTIFY_LIST_MESSAGES, query, 1)
    except ValidationFailed:
        return sms_log()

    def rows():
        result, page = first, 1
        while True:
            for m in result["items"]:
                yield [m["phone"], m["template_label"], SOURCES.get(m["source"], m["source"]), m["state_label"],
                       m["attempts"], clock.show(m.get("created_at"), clock.SECOND_FORMAT),
                       clock.show(m.get("sent_at"), clock.SECOND_FORMAT), m.get("last_error")]
            if page >= min(result["pages"], EXPORT_MAX_PAGES):
                return
            page += 1
            result = rpc(c.NOTIFY, c.NOTIFY_LIST_MESSAGES, query, page)

    log_export(c.NOTIFY, "export.list", "短信记录", filters)
    return send_workbook("短信记录", ["手机号", "短信类型", "来源", "状态", "发送次数", "创建时间", "发送时间", "说明"],
                         rows(), "短信记录")


@bp.get("/sms")
@staff_required(c.ADMIN)
def sms_log():
    filters = {name: request.args.get(name, "").strip() for name in FILTERS}
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() else 1
    errors = {}
    try:
        result = rpc(c.NOTIFY, c.NOTIFY_LIST_MESSAGES, {k: v for k, v in filters.items() if v}, page)
    except ValidationFailed as exc:
        errors = exc.errors
        result = {"items": [], "total": 0, "page": 1, "pages": 1}
    for item in result["items"]:
        item["created_local"] = clock.show(item.get("created_at"), clock.SECOND_FORMAT)
        item["sent_local"] = clock.show(item.get("sent_at"), clock.SECOND_FORMAT)
    status = 422 if errors else 200
    return (
        render_template(
            "console/sms.html",
            active="sms",
            filters=filters,
            errors=errors,
            result=result,
            states=STATES,
            templates=TEMPLATES,
            sources=SOURCES,
            export_url=url_for("console.sms_export", **{k: v for k, v in filters.items() if v}),
        ),
        status,
    )
