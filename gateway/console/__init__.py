"""The reviewer and admin console."""
from flask import Blueprint, render_template

from gateway import rpc
from gateway.auth import staff_required
from services.common import contracts as c

bp = Blueprint("console", __name__)


@bp.get("/")
@staff_required()
def home():
    return render_template("console/home.html", second_factor=rpc(c.ACCOUNTS, "second_factor_status"))


from gateway.console import staff  # noqa: E402,F401  (registers login and staff pages)
from gateway.console import sms  # noqa: E402,F401  (短信记录, the SMS delivery log)
from gateway.console import batches  # noqa: E402,F401  (申报批次, admins)
from gateway.console import review  # noqa: E402,F401  (申报审核: inbox, case pages, export)
from gateway.console import parked  # noqa: E402,F401  (消息队列异常, admins)
from gateway.console import evidence  # noqa: E402,F401  (打印申请表, 附件 zip, 入驻企业名单 of a case)
from gateway.console import two_factor  # noqa: E402,F401  (两步验证: login's second step, enrolment)
from gateway.console import personal_data  # noqa: E402,F401  (个人信息: export and delete on request, admins)
