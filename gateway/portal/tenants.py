"""The 入驻企业 section of a declaration in the enterprise portal: the intake
QR code (PNG / SVG / printable A4 poster), the tenant entries with their
totals, one entry, exclude with a reason, reopen for correction, Excel export.

The declarations service answers who owns the declaration, its 基地名称 and the
batch's closing (`declarations.get`); the tenants service holds the link and
the entries. The declarations section page can render the same block with
`section_context(declaration)` and templates/portal/tenants_section.html.
"""
import io
from urllib.parse import quote

import qrcode
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from qrcode.image.svg import SvgPathImage

from gateway import descriptions, rpc
from gateway.auth import login_required
from gateway.portal import bp
from services.common import config as cfg
from services.common import contracts
from services.common import spreadsheets
from services.common.errors import BadState, ValidationFailed

PREFIX = "/center/declarations/<declaration_id>/tenants"
POSTER_SLOGAN = "微信扫一扫，填写入驻企业信息"


def declaration(declaration_id):
    """The declaration as the declarations service shows it to the caller (it
    refuses anyone who may not see it)."""
    return rpc(contracts.DECLARATIONS, contracts.DECLARATIONS_GET, declaration_id)


def base_name(decl):
    return ((decl.get("sections") or {}).get("application") or {}).get("base_name") or ""


def closing(decl):
    """Until when tenants may fill: the batch's closing, or its resubmission
    deadline while the declaration is returned."""
    batch = decl.get("batch") or {}
    if decl.get("state") == contracts.RETURNED:
        return decl.get("resubmit_until") or batch.get("resubmit_until") or batch.get("closes_at")
    return batch.get("closes_at")


def current_link(decl):
    """The link status; the first link is made as soon as the declaration has
    a 基地名称 (not again after the enterprise revoked it: that takes 生成新二维码)."""
    status = rpc(contracts.TENANTS, contracts.TENANTS_LINK_STATUS, decl["id"])
    name = base_name(decl)
    if decl.get("editable") and name and (status["active"] or status["serial"] == 0):
        try:
            status = rpc(contracts.TENANTS, contracts.TENANTS_OPEN_LINK, decl["id"], name, closing(decl))
        except (BadState, ValidationFailed) as exc:
            status["problem"] = exc.message
    return status


def public_url(path):
    """An absolute link as users reach the system (PUBLIC_BASE_URL), never
    from the request's Host header."""
    return cfg.public_base_url(current_app.config.get("SERVICES_CONFIG")) + path


def intake_url(status, declaration_id):
    """The short link of the active QR link (/q/<128-bit id>): it keeps the
    QR code at a low version that phones read at first try."""
    if not status.get("active") or not status.get("url_path"):
        return None
    short = rpc(contracts.TENANTS, contracts.TENANTS_SHORT_LINK, declaration_id)
    return public_url(short["url_path"])


def section_context(decl):
    """Everything templates/portal/tenants_section.html needs."""
    status = current_link(decl)
    return {
        "declaration": decl,
        "base_name": base_name(decl) or status.get("base_name"),
        "link": status,
        "intake_url": intake_url(status, decl["id"]),
        "entries": rpc(contracts.TENANTS, contracts.TENANTS_LIST_ENTRIES, decl["id"]),
        "totals": rpc(contracts.TENANTS, contracts.TENANTS_TOTALS, decl["id"]),
    }


@bp.get(PREFIX)
@login_required
def tenants_section(declaration_id):
    decl = declaration(declaration_id)
    return render_template("portal/tenants.html", t=section_context(decl))


@bp.post(PREFIX + "/link")
@login_required
def tenants_new_link(declaration_id):
    decl = declaration(declaration_id)
    if not decl.get("editable"):
        raise BadState("申报已提交，不能生成新的二维码")
    rpc(contracts.TENANTS, contracts.TENANTS_OPEN_LINK, decl["id"], base_name(decl), closing(decl), renew=True)
    flash("已生成新的二维码，原二维码已失效。", "success")
    return redirect(url_for("portal.tenants_section", declaration_id=declaration_id))


@bp.post(PREFIX + "/link/revoke")
@login_required
def tenants_revoke_link(declaration_id):
    declaration(declaration_id)
    rpc(contracts.TENANTS, contracts.TENANTS_REVOKE_LINK, declaration_id)
    flash("二维码已作废，扫描原二维码将无法填报。", "success")
    return redirect(url_for("portal.tenants_section", declaration_id=declaration_id))


def _active_link(declaration_id):
    decl = declaration(declaration_id)
    status = current_link(decl)
    if not status.get("active"):
        abort(404)
    return decl, status


def _qr(url):
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


def _download_name(decl, ext):
    name = f"{base_name(decl) or '入驻企业'}-入驻企业填报二维码.{ext}"
    return f"attachment; filename=\"tenants-qrcode.{ext}\"; filename*=UTF-8''{quote(name)}"


@bp.get(PREFIX + "/qrcode.png")
@login_required
def tenants_qrcode_png(declaration_id):
    decl, status = _active_link(declaration_id)
    buffer = io.BytesIO()
    _qr(intake_url(status, declaration_id)).make_image().save(buffer)
    response = Response(buffer.getvalue(), mimetype="image/png")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = _download_name(decl, "png")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get(PREFIX + "/qrcode.svg")
@login_required
def tenants_qrcode_svg(declaration_id):
    decl, status = _active_link(declaration_id)
    svg = _qr(intake_url(status, declaration_id)).make_image(image_factory=SvgPathImage).to_string(encoding="unicode")
    response = Response(svg, mimetype="image/svg+xml")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = _download_name(decl, "svg")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get(PREFIX + "/poster")
@login_required
def tenants_poster(declaration_id):
    decl, status = _active_link(declaration_id)
    url = intake_url(status, declaration_id)
    svg = _qr(url).make_image(image_factory=SvgPathImage).to_string(encoding="unicode")
    return render_template(
        "portal/tenants_poster.html",
        base_name=base_name(decl) or status["base_name"],
        slogan=POSTER_SLOGAN,
        qr_svg=svg,
        link=status,
        intake_url=url,
    )


@bp.get(PREFIX + "/entries/<entry_id>")
@login_required
def tenants_entry(declaration_id, entry_id):
    decl = declaration(declaration_id)
    entry = rpc(contracts.TENANTS, contracts.TENANTS_GET_ENTRY, declaration_id, entry_id)
    link = rpc(contracts.TENANTS, contracts.TENANTS_LINK_STATUS, declaration_id)
    return render_template("portal/tenants_entry.html", decl=decl, entry=entry, link=link, errors={})


@bp.post(PREFIX + "/entries/<entry_id>/exclude")
@login_required
def tenants_exclude(declaration_id, entry_id):
    decl = declaration(declaration_id)
    reason = request.form.get("reason", "")
    try:
        rpc(contracts.TENANTS, contracts.TENANTS_EXCLUDE_ENTRY, declaration_id, entry_id, reason)
    except ValidationFailed as exc:
        entry = rpc(contracts.TENANTS, contracts.TENANTS_GET_ENTRY, declaration_id, entry_id)
        link = rpc(contracts.TENANTS, contracts.TENANTS_LINK_STATUS, declaration_id)
        return (
            render_template(
                "portal/tenants_entry.html", decl=decl, entry=entry, link=link, errors=exc.errors, reason=reason
            ),
            422,
        )
    flash("已排除该入驻企业，它不再计入汇总。", "success")
    return redirect(url_for("portal.tenants_section", declaration_id=declaration_id))


@bp.post(PREFIX + "/entries/<entry_id>/reopen")
@login_required
def tenants_reopen(declaration_id, entry_id):
    declaration(declaration_id)
    rpc(contracts.TENANTS, contracts.TENANTS_REOPEN_ENTRY, declaration_id, entry_id)
    flash("已重新开放该企业的填报：请通知该企业通过原二维码修改后重新“确认提交”。", "success")
    return redirect(url_for("portal.tenants_entry", declaration_id=declaration_id, entry_id=entry_id))


EXPORT_COLUMNS = (
    ("reference", "提交编号"),
    ("state_label", "状态"),
    ("submitted_at_text", "提交时间"),
    ("submissions", "提交次数"),
    ("excluded_reason", "排除原因"),
)


def workbook(decl, entries, totals):
    """The 入驻企业 list and its totals; what tenants typed stays text
    (services.common.spreadsheets)."""
    fields = list(descriptions.fields(descriptions.get(contracts.TENANTS, contracts.TENANTS_DESCRIBE_STEPS)).values())
    book = spreadsheets.Book()
    sheet = book.sheet(
        "入驻企业",
        header=["序号"] + [field["label"] + (f"（{field['unit']}）" if field.get("unit") else "") for _, field in fields]
        + [label for _, label in EXPORT_COLUMNS],
        widths=16,
    )
    for number, entry in enumerate(entries, 1):
        data = entry["data"]
        row = [number]
        for step, field in fields:
            value = data.get(step, {}).get(field["key"])
            if field["type"] == "amount" and value not in (None, "") and not isinstance(value, list):
                value = float(value)
            row.append(value)
        row += [entry.get(key) for key, _ in EXPORT_COLUMNS]
        sheet.append(row)
    sheet.freeze("B2")

    summary = book.sheet("汇总", widths=[28, 40])
    for label, value in (
        ("基地名称", base_name(decl)),
        ("入驻企业数", totals["count"]),
        ("其中小微企业数", totals["small_micro_count"]),
        ("小微企业占比", f"{totals['small_micro_share'] * 100:.2f}%"),
        ("入驻企业从业人员总数", totals["employees"]),
        ("其中小微企业从业人员数", totals["small_micro_employees"]),
        ("营业收入合计（万元）", float(totals["revenue"])),
        ("纳税总额合计（万元）", float(totals["tax"])),
        ("待修改企业数", totals["pending_correction_count"]),
        ("已排除企业数", totals["excluded_count"]),
    ):
        summary.append([label, value])
    return book.to_bytes()


@bp.get(PREFIX + "/export.xlsx")
@login_required
def tenants_export(declaration_id):
    decl = declaration(declaration_id)
    entries = rpc(contracts.TENANTS, contracts.TENANTS_LIST_ENTRIES, declaration_id, details=True)
    totals = rpc(contracts.TENANTS, contracts.TENANTS_TOTALS, declaration_id)
    body = workbook(decl, entries, totals)
    name = f"{base_name(decl) or '申报'}-入驻企业.xlsx"
    return Response(
        body,
        mimetype=spreadsheets.MIMETYPE,
        headers={
            "Content-Disposition": f"attachment; filename=\"tenants.xlsx\"; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
    )
