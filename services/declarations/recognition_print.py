"""打印认定证书: the A4 PDF of a recognised declaration — its 证书编号, 认定文号
and validity with the base and its operator as submitted in the recognised
version — rendered once like the 申请表 (printing, pdf_render) and kept in
the blob store. Its QR code opens the same public verification page under
its own random id, of which only the SHA-256 is kept on the declaration."""
import uuid

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.common import contracts
from services.common.clock import utcnow
from services.common.errors import BadState
from services.declarations import pdf_render, printing, sections
from services.declarations.access import load, readable
from services.declarations.models import Batch, Version

TITLE = "江苏省小型微型企业创业创新示范基地认定证书"
NOT_RECOGNISED = "该申报尚未认定，认定后才能打印认定证书"


def filename(certificate_number):
    return f"{certificate_number}_认定证书.pdf"


def certificate_html(context):
    env = Environment(loader=FileSystemLoader(str(printing.TEMPLATES)), autoescape=select_autoescape(["html"]))
    return env.get_template("recognition_certificate.html").render(**context)


def certificate_context(d, batch, version, url):
    app = ((version.snapshot if version else {}).get("sections") or {}).get(sections.APPLICATION) or {}
    return {
        "title": TITLE, "certificate_number": d.certificate_number, "document_number": d.document_number,
        "valid_from": d.valid_from.isoformat(), "valid_until": d.valid_until.isoformat(),
        "base_name": app.get("base_name") or "", "operator_name": app.get("operator_name") or "",
        "credit_code": app.get("credit_code") or "", "batch_name": batch.name if batch else "",
        "reference": d.reference or "", "publicized": d.publicity_starts_on is not None,
        "verify_url": url, "qr_src": printing.qr_png(url),
    }


def print_recognition(session, store, principal, declaration_id, base_url, render=None):
    """The 认定证书 PDF for its enterprise or a reviewer in scope: rendered
    and stored on the first request, the same file after."""
    render = render or pdf_render.html_to_pdf
    d = readable(session, principal, declaration_id)
    if d.state != contracts.APPROVED or not d.certificate_number or d.valid_until is None:
        raise BadState(NOT_RECOGNISED)
    if d.certificate_blob_key is None:
        d = load(session, d.id, lock=True)  # one first rendering per declaration at a time
    if d.certificate_blob_key is None:
        if not base_url:
            raise BadState(printing.NO_BASE_URL)
        verify_id = printing.new_verify_id()
        version = session.get(Version, (d.id, d.version))
        batch = session.get(Batch, d.batch_id)
        html = certificate_html(certificate_context(d, batch, version, printing.verify_url(base_url, verify_id)))
        pdf = render(html)
        key = f"prints/{d.id}/certificate-{uuid.uuid4().hex}.pdf"
        meta = store.put(key, pdf, "application/pdf")
        d.certificate_verify_hash = printing.verify_hash(verify_id)
        d.certificate_blob_key, d.certificate_size, d.certificate_sha256 = key, meta["size"], meta["sha256"]
        d.updated_at = utcnow()
        session.flush()
    return {
        "blob_key": d.certificate_blob_key, "size": d.certificate_size, "sha256": d.certificate_sha256,
        "content_type": "application/pdf", "filename": filename(d.certificate_number),
        "certificate_number": d.certificate_number, "reference": d.reference,
    }
