"""打印申请表: the A4 PDF of a submitted version, its verification, and the
files of a version for the attachments zip.

The PDF is rendered once per version from the frozen snapshot (never the live
draft) with WeasyPrint and the template templates/application_form.html, and
kept in the blob store: the file a reviewer downloads today is the file the
enterprise stamped last week. Its QR code holds PUBLIC_BASE_URL +
VERIFY_URL_PATH with a random id of 192 bits, of which only the SHA-256 is
stored; the public verification page shows that version's number, content
digest and the declaration's current state, nothing of the content.

Plain functions on a SQLAlchemy session and the verified principal; the
service wires them to RPC. Rendering runs in a child process, one at a time
per service process (render_in_child, pdf_render).
"""
import base64
import hashlib
import io
import json
import logging
import secrets
import uuid
from pathlib import Path

from eventlet import semaphore
from eventlet.green import subprocess as green_subprocess
from sqlalchemy import select

from services.common import contracts
from services.common.clock import iso, show, utcnow
from services.common import regions
from services.common.errors import BadState, NotFound
from services.declarations import attachments as files
from services.declarations import pdf_render
from services.declarations import recognition, sections
from services.declarations.access import load, readable
from services.declarations.models import Batch, Declaration, PrintedVersion, Transition, Version

log = logging.getLogger(__name__)

TITLE = "江苏省小型微型企业创业创新示范基地认定申请表"
TEMPLATES = Path(__file__).with_name("templates")
NOT_SUBMITTED = "申报尚未提交，提交后才能打印申请表"
NO_BASE_URL = "平台公网地址（PUBLIC_BASE_URL）未配置，暂不能打印申请表，请联系平台管理员"
UNKNOWN_VERIFY_ID = "未找到该申请表，请核对二维码或核验地址是否完整"
LONG_FIELDS = ("introduction", "cases", "address")
TENANT_FIGURES = (
    ("count", "入驻企业数", "家"),
    ("small_micro_count", "其中小型、微型企业数", "家"),
    ("employees", "从业人员合计", "人"),
    ("revenue", "营业收入合计", "万元"),
    ("tax", "纳税合计", "万元"),
    ("leased_area", "租用面积合计", "㎡"),
)


# One rendering at a time per process, in a child process.
_rendering = semaphore.Semaphore(1)


def render_in_child(html):
    """The PDF of `html` (pdf_render), rendered by a child process."""
    with _rendering:
        try:
            return pdf_render.in_child(html, popen=green_subprocess.Popen)
        except pdf_render.RenderFailed as exc:
            log.error("申请表 rendering failed: %s", exc)
            raise BadState("申请表生成失败，请稍后再试")


# --- identity of a version ------------------------------------------------------------


def content_digest(declaration_id, reference, version):
    """SHA-256 of a submitted version: the declaration, its 申报编号, the
    version's number, time and whole snapshot (sections, attachments with
    their own SHA-256, tenant totals), as canonical JSON."""
    body = {
        "declaration_id": declaration_id,
        "reference": reference,
        "version": version.version,
        "submitted_at": iso(version.submitted_at),
        "snapshot": version.snapshot,
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_verify_id():
    return secrets.token_urlsafe(24)  # 192 random bits


def verify_hash(verify_id):
    return hashlib.sha256(str(verify_id).encode("utf-8")).hexdigest()


def verify_url(base_url, verify_id):
    return base_url.rstrip("/") + contracts.VERIFY_URL_PATH.format(verify_id=verify_id)


def submitted_version(session, d, number=None):
    """The Version row `number` of a declaration (its latest when None)."""
    if d.version < 1:
        raise BadState(NOT_SUBMITTED)
    try:
        number = d.version if number in (None, "") else int(number)
    except (TypeError, ValueError):
        raise NotFound("未找到该版本")
    v = session.get(Version, (d.id, number))
    if v is None:
        raise NotFound("未找到该版本")
    return v


def filename(reference, version):
    return f"{reference}_申请表_第{version}次提交.pdf"


# --- the document -------------------------------------------------------------------


def _text(field, value):
    if value is None or value == "":
        return "未填写"
    if field.kind == "region":
        return regions.full_name(value) or str(value)
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value) or "无"
    unit = getattr(field, "unit", "")
    return f"{value} {unit}" if unit else str(value)


def document_sections(snapshot):
    """The sections of a version, in the portal's order, as text."""
    data = snapshot.get("sections") or {}
    out = []
    for key in sections.ORDER:
        label = contracts.SECTIONS[key]
        if key == sections.APPLICATION:
            values = data.get(key) or {}
            items = [(field.label, _text(field, values.get(field.key)), field.key in LONG_FIELDS) for field in sections.SCHEMAS[key]]
            out.append({"kind": "form", "label": label, "pairs": items})
        elif key in sections.LIST_SECTIONS:
            schema = sections.SCHEMAS[key]
            rows = [[_text(field, row.get(field.key)) for field in schema] for row in data.get(key) or []]
            out.append({"kind": "rows", "label": label, "labels": [field.label for field in schema], "rows": rows,
                        "widths": column_widths(schema)})
        elif key == sections.TENANTS:
            totals = snapshot.get("tenant_totals") or {}
            items = [(name, f"{totals.get(k, 0)} {unit}") for k, name, unit in TENANT_FIGURES]
            out.append({"kind": "tenants", "label": label, "pairs": items})
        elif key == sections.ATTACHMENTS:
            rows = [
                {"category": a.get("category", ""), "filename": a.get("filename", ""),
                 "size": _size(a.get("size")), "sha256": a.get("sha256") or ""}
                for a in snapshot.get("attachments") or []
            ]
            out.append({"kind": "attachments", "label": label, "rows": rows})
    return out


def column_widths(schema):
    """Percent widths of 序号 and each column: a fixed table layout spares
    WeasyPrint measuring every cell of a long 服务台账."""
    weights = [0.6] + [WEIGHTS.get(field.kind, 1.2) for field in schema]
    total = sum(weights)
    return [round(w * 100 / total, 2) for w in weights]


WEIGHTS = {"textarea": 3.2, "text": 1.8, "date": 1.5, "integer": 0.9, "amount": 1.1, "choice": 1.2,
           "phone": 1.6, "mobile": 1.6, "credit_code": 2.6}


def _size(n):
    n = int(n or 0)
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{max(1, round(n / 1024))} KB"


def qr_png(url):
    """The QR code of `url` as a data: URI of a PNG."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=2)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def document_html(context):
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    return env.get_template("application_form.html").render(**context)


def document_context(d, batch, v, digest, url):
    app = (v.snapshot.get("sections") or {}).get(sections.APPLICATION) or {}
    return {
        "title": TITLE,
        "reference": d.reference or "",
        "version": v.version,
        "batch_name": batch.name if batch else "",
        "submitted_at": show(v.submitted_at),
        "submitted_at_iso": iso(v.submitted_at),
        "operator_name": app.get("operator_name") or "",
        "base_name": app.get("base_name") or "",
        "sections": document_sections(v.snapshot),
        "digest": digest,
        "verify_url": url,
        "qr_src": qr_png(url),
    }


# --- RPC bodies --------------------------------------------------------------------


def print_version(session, store, principal, declaration_id, number, base_url, render=None):
    """The PDF of a submitted version for its enterprise or a reviewer in
    scope: rendered and stored on the first request, the same file after.
    Returns where the gateway reads it."""
    render = render or pdf_render.html_to_pdf
    d = readable(session, principal, declaration_id)
    v = submitted_version(session, d, number)
    row = session.get(PrintedVersion, (d.id, v.version))
    if row is None:
        load(session, d.id, lock=True)  # one first rendering per declaration at a time
        row = session.execute(
            select(PrintedVersion).where(PrintedVersion.declaration_id == d.id, PrintedVersion.version == v.version)
        ).scalar_one_or_none()
    if row is None:
        if not base_url:
            raise BadState(NO_BASE_URL)
        verify_id = new_verify_id()
        digest = content_digest(d.id, d.reference, v)
        batch = session.get(Batch, d.batch_id)
        pdf = render(document_html(document_context(d, batch, v, digest, verify_url(base_url, verify_id))))
        key = f"prints/{d.id}/v{v.version}-{uuid.uuid4().hex}.pdf"
        meta = store.put(key, pdf, "application/pdf")
        row = PrintedVersion(
            declaration_id=d.id, version=v.version, verify_hash=verify_hash(verify_id), digest=digest,
            blob_key=key, size=meta["size"], sha256=meta["sha256"], created_at=utcnow(),
        )
        session.add(row)
        session.flush()
    return {
        "blob_key": row.blob_key, "size": row.size, "sha256": row.sha256, "content_type": "application/pdf",
        "filename": filename(d.reference, row.version), "version": row.version, "reference": d.reference,
        "digest": row.digest,
    }


DECIDED = {contracts.APPROVED: "认定时间", contracts.REJECTED: "审核结束时间"}


def verify(session, verify_id):
    """Public: what the QR code of a printed version shows: its number, its
    content digest, and the declaration's state now. NotFound otherwise."""
    if not isinstance(verify_id, str) or not 16 <= len(verify_id) <= 64:
        raise NotFound(UNKNOWN_VERIFY_ID)
    row = session.execute(
        select(PrintedVersion).where(PrintedVersion.verify_hash == verify_hash(verify_id))
    ).scalar_one_or_none()
    if row is None:
        return verify_certificate(session, verify_id)
    d = load(session, row.declaration_id)
    v = session.get(Version, (row.declaration_id, row.version))
    decided = None
    if d.state in DECIDED:
        decided = session.execute(
            select(Transition.at).where(Transition.declaration_id == d.id, Transition.to_state == d.state)
            .order_by(Transition.id.desc()).limit(1)
        ).scalar_one_or_none()
    return {
        "declaration_id": d.id,
        "reference": d.reference,
        "version": row.version,
        "submitted_at": iso(v.submitted_at),
        "digest": row.digest,
        "state": d.state,
        "state_label": contracts.STATE_LABELS[d.state],
        "latest_version": d.version,
        "superseded": d.version > row.version,
        "decided_at": iso(decided),
        "decided_label": DECIDED.get(d.state),
        "recognition": recognition.details(d)["recognition"],
    }


def verify_certificate(session, verify_id):
    """Public: what the QR code of a printed 认定证书 shows: the 证书编号,
    认定文号 and validity, and the declaration's state now."""
    d = session.execute(
        select(Declaration).where(Declaration.certificate_verify_hash == verify_hash(verify_id))
    ).scalar_one_or_none()
    if d is None:
        raise NotFound(UNKNOWN_VERIFY_ID)
    return {
        "declaration_id": d.id, "reference": d.reference, "certificate": True,
        "state": d.state, "state_label": contracts.STATE_LABELS[d.state],
        "recognition": recognition.details(d)["recognition"],
    }


def version_attachments(session, principal, declaration_id, number=None):
    """The files of a submitted version (as they were at 提交), with the
    blob keys the gateway reads them from; for the owner or reviewers in scope."""
    d = readable(session, principal, declaration_id)
    v = submitted_version(session, d, number)
    listed = []
    for a in v.snapshot.get("attachments") or []:
        listed.append({
            "id": a["id"], "category": a.get("category", ""), "filename": a.get("filename", ""),
            "size": int(a.get("size") or 0), "sha256": a.get("sha256", ""),
            "content_type": a.get("content_type", ""), "blob_key": files.blob_key(d.id, a["id"]),
        })
    return {"reference": d.reference, "version": v.version, "files": listed,
            "total_size": sum(item["size"] for item in listed)}
