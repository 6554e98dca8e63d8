"""Public pages: 公示 (/gongshi), the bases under public notice while its
period runs, for anyone, without logging in. The review service answers
only the public fields (base, operator, region, notice, period), a page at
a time."""
from flask import Blueprint, render_template, request

from gateway import rpc
from services.common import contracts

bp = Blueprint("public", __name__)


@bp.get("/gongshi")
def publicity():
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and len(page) <= 6 else 1
    result = rpc(contracts.REVIEW, contracts.REVIEW_PUBLIC_NOTICES, page)
    return render_template("public/gongshi.html", result=result)
