"""The reviewer and admin console."""
from flask import Blueprint, redirect, url_for

from gateway import rpc
from gateway.auth import staff_required
from services.common import contracts as c

bp = Blueprint("console", __name__)


@bp.get("/")
@staff_required()
def home():
    """审核控制台: a reviewer's work starts at 待审核 (with its counts)."""
    return redirect(url_for("console.cases_inbox"))


from gateway.console import staff  # noqa: E402,F401  (registers login and staff pages)
from gateway.console import sms  # noqa: E402,F401  (短信记录, the SMS delivery log)
from gateway.console import batches  # noqa: E402,F401  (申报批次, admins)
from gateway.console import review  # noqa: E402,F401  (申报审核: inbox, case pages, export)
from gateway.console import parked  # noqa: E402,F401  (消息队列异常, admins)
from gateway.console import evidence  # noqa: E402,F401  (打印申请表, 附件 zip, 入驻企业名单 of a case)
from gateway.console import two_factor  # noqa: E402,F401  (两步验证: login's second step, enrolment)
from gateway.console import personal_data  # noqa: E402,F401  (个人信息: export and delete on request, admins)
from gateway.console import logs  # noqa: E402,F401  (日志: 操作日志 and 登录日志, admins)
from gateway.console import publicity  # noqa: E402,F401  (公示: select cases, the notices)
