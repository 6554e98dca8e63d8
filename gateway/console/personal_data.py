"""个人信息: an admin exports or deletes one enterprise's personal data on its
request. Each service decides and does its own part (declarations — with
their tenant entries — first, then the account; SMS follow by event) and
records counts, never contents, in its personal-data log."""
import json
from urllib.parse import quote

from flask import Response, flash, redirect, render_template, request, url_for

from gateway import rpc
from gateway.auth import staff_required
from gateway.console import bp
from services.common import clock
from services.common import contracts as c
from services.common.errors import BadState, NotFound

MAX_SMS_PAGES = 50


def _summary(enterprise_id):
    try:
        return rpc(c.ACCOUNTS, c.RPC_ENTERPRISE_SUMMARY, enterprise_id)
    except NotFound:
        return None


@bp.get("/personal-data")
@staff_required(c.ADMIN)
def personal_data():
    query = request.args.get("q", "").strip()[:40]
    enterprise = None
    if query:
        found = rpc(c.ACCOUNTS, c.ACCOUNTS_FIND_ENTERPRISE, query)
        enterprise = _summary(found) if found else None
    return render_template("console/personal_data.html", q=query, enterprise=enterprise, active="personal_data")


@bp.get("/personal-data/<enterprise_id>/export")
@staff_required(c.ADMIN)
def personal_data_export(enterprise_id):
    summary = _summary(enterprise_id)
    if summary is None:
        flash("未找到该企业")
        return redirect(url_for("console.personal_data"))
    declarations = rpc(c.DECLARATIONS, c.RPC_EXPORT_ENTERPRISE_DATA, enterprise_id)
    for declaration in declarations:
        try:
            declaration["tenant_entries"] = rpc(c.TENANTS, c.TENANTS_LIST_ENTRIES, declaration["id"], True)
        except NotFound:
            declaration["tenant_entries"] = []
    sms = []
    if summary.get("contact_phone"):
        page = 1
        while page <= MAX_SMS_PAGES:
            found = rpc(c.NOTIFY, c.NOTIFY_LIST_MESSAGES, {"phone": summary["contact_phone"]}, page)
            sms += found["items"]
            if page >= found.get("pages", 1):
                break
            page += 1
    document = {
        "exported_at": clock.iso(clock.utcnow()),
        "account": rpc(c.ACCOUNTS, c.RPC_EXPORT_ENTERPRISE_DATA, enterprise_id),
        "declarations": declarations,
        "sms": sms,
    }
    name = f"个人信息-{summary['credit_code']}.json"
    return Response(
        json.dumps(document, ensure_ascii=False, indent=1),
        mimetype="application/json",
        headers={"Content-Disposition": f"attachment; filename=\"personal-data.json\"; filename*=UTF-8''{quote(name)}",
                 "Cache-Control": "no-store"},
    )


@bp.post("/personal-data/<enterprise_id>/erase")
@staff_required(c.ADMIN)
def personal_data_erase(enterprise_id):
    summary = _summary(enterprise_id)
    if summary is None:
        flash("未找到该企业")
        return redirect(url_for("console.personal_data"))
    back = redirect(url_for("console.personal_data", q=summary["credit_code"]))
    if request.form.get("confirm", "").strip().upper() != summary["credit_code"]:
        flash("请输入该企业的统一社会信用代码以确认删除")
        return back
    try:
        declarations = rpc(c.DECLARATIONS, c.RPC_ERASE_ENTERPRISE_DATA, enterprise_id)
        account = rpc(c.ACCOUNTS, c.RPC_ERASE_ENTERPRISE_DATA, enterprise_id)
    except BadState as exc:
        flash(exc.message)
        return back
    flash(f"已删除该企业的个人信息：申报{declarations['declarations']}份（含入驻企业填报信息和附件），"
          f"营业执照图片{account['licences']}份，申诉{account['appeals']}份，短信记录随后删除；账号已停用。")
    return back
