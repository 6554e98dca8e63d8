"""The enterprise portal (desktop browser)."""
from flask import Blueprint, render_template

bp = Blueprint("portal", __name__)


@bp.get("/")
def home():
    return render_template("portal/home.html")


from gateway.portal import accounts  # noqa: E402,F401  (registers the account pages)
from gateway.portal import tenants  # noqa: E402,F401  (the 入驻企业 section: QR code, entries)
from gateway.portal import dev  # noqa: E402,F401  (development-only pages: /dev/sms)
from gateway.portal import declarations  # noqa: E402,F401  (认定申报: list, sections, 提交, 查看)
from gateway.portal import printing  # noqa: E402,F401  (打印申请表 and the /verify page of its QR code)
from gateway.portal import api_tokens  # noqa: E402,F401  (用户中心 → API 令牌)
from gateway.portal import withdrawal  # noqa: E402,F401  (撤回: its confirmation and the 撤回 button)
from gateway.portal import recognition  # noqa: E402,F401  (打印认定证书)
