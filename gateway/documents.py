"""Files the portal and the console hand out about one declaration: the
printed 申请表 (a PDF the declarations service keeps in the blob store), the
attachments of a submitted version as one zip, and the 入驻企业名单 as
submitted as an .xlsx. The services decide who may have them; here they are
only read from the blob store and streamed, bounded."""
import re
import tempfile
import zipfile

from flask import abort, send_file

from gateway import rpc
from gateway.uploads import blob_store
from services.common import blobs, spreadsheets
from services.common import contracts
from services.common.errors import BadState

PRINT_TIMEOUT = 60  # seconds: the first print of a version is rendered on request
ZIP_MAX_BYTES = 512 * 1024 * 1024  # what one attachments zip may hold
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_name(name, fallback="文件", limit=100):
    """A file name without path parts, control or reserved characters, and
    not starting with a dot; at most `limit` characters (keeping its suffix)."""
    name = _UNSAFE.sub("_", str(name or "")).strip(" ._")
    if not name:
        return fallback
    if len(name) > limit:
        stem, dot, suffix = name.rpartition(".")
        if dot and 0 < len(suffix) <= 10:
            name = stem[: limit - len(suffix) - 1] + "." + suffix
        else:
            name = name[:limit]
    return name


def _private(response):
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def send_printed(declaration_id, version=None):
    """打印申请表: the PDF of a submitted version (the latest when None)."""
    meta = rpc(contracts.DECLARATIONS, contracts.DECLARATIONS_PRINT, declaration_id, version, timeout=PRINT_TIMEOUT)
    return send_pdf(meta, "申请表.pdf")


def send_pdf(meta, fallback_name):
    """A PDF the declarations service rendered into the blob store (`meta`:
    its blob_key and filename), sent privately as a download."""
    try:
        data = blob_store().get(meta["blob_key"])
    except blobs.BlobNotFound:
        abort(404)
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    spool.write(data)
    spool.seek(0)
    return _private(send_file(spool, mimetype="application/pdf", as_attachment=True,
                              download_name=safe_name(meta["filename"], fallback_name)))


def zip_entry_names(files):
    """'类别/文件名' per file, sanitised and unique within the zip."""
    seen, names = set(), []
    for f in files:
        name = f"{safe_name(f['category'], '附件', 40)}/{safe_name(f['filename'], '附件')}"
        stem, dot, suffix = name.rpartition(".")
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{stem}({n}).{suffix}" if dot and "/" not in suffix else f"{name}({n})"
        seen.add(candidate)
        names.append(candidate)
    return names


def send_attachments_zip(declaration_id, version=None):
    """附件 of a submitted version in one zip named by its 申报编号; refused
    above ZIP_MAX_BYTES, spooled to a temporary file, never held in memory."""
    listed = rpc(contracts.DECLARATIONS, contracts.DECLARATIONS_VERSION_ATTACHMENTS, declaration_id, version)
    if not listed["files"]:
        raise BadState("该次提交没有附件")
    if listed["total_size"] > ZIP_MAX_BYTES:
        raise BadState(f"附件合计超过 {ZIP_MAX_BYTES // 1024 // 1024} MB，请逐个下载")
    store = blob_store()
    spool = tempfile.TemporaryFile(suffix=".zip")
    try:
        written = 0
        # Attachments are PDF, PNG or JPEG, compressed already: stored as they are.
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
            for f, name in zip(listed["files"], zip_entry_names(listed["files"])):
                try:
                    data = store.get(f["blob_key"])
                except blobs.BlobNotFound:
                    raise BadState(f"附件“{f['filename']}”暂时无法读取，请稍后再试")
                written += len(data)
                if written > ZIP_MAX_BYTES:
                    raise BadState(f"附件合计超过 {ZIP_MAX_BYTES // 1024 // 1024} MB，请逐个下载")
                archive.writestr(name, data)
    except Exception:
        spool.close()
        raise
    spool.seek(0)
    reference = safe_name(listed["reference"], "申报")
    return _private(send_file(spool, mimetype="application/zip", as_attachment=True,
                              download_name=f"{reference}_附件_第{listed['version']}次提交.zip"))


# --- 入驻企业名单 as submitted -------------------------------------------------------------

ROLL_COLUMNS = ("序号", "填报编号", "企业名称", "统一社会信用代码", "企业规模", "状态", "排除原因", "提交时间")


def roll_rows(roll):
    """(header, rows) of the 入驻企业名单: the fixed columns, then every answer
    of the intake form by its label."""
    labels = []
    for entry in roll["entries"]:
        for step in entry.get("answers") or []:
            for item in step["items"]:
                if item["label"] not in labels and item["key"] not in ("company_name", "credit_code", "size"):
                    labels.append(item["label"])
    rows = []
    for i, e in enumerate(roll["entries"], 1):
        answered = {item["label"]: item["text"] for step in e.get("answers") or [] for item in step["items"]}
        rows.append(
            [i, e.get("reference"), e.get("company_name"), e.get("credit_code"), e.get("size"),
             e.get("state_label"), e.get("excluded_reason") or "", e.get("submitted_at_text") or ""]
            + [answered.get(label, "") for label in labels]
        )
    return list(ROLL_COLUMNS) + labels, rows


def send_roll_workbook(declaration_id, base_name=None, version=None):
    roll = rpc(contracts.TENANTS, contracts.TENANTS_SUBMITTED_ROLL, declaration_id, version)
    if roll is None:
        raise BadState("提交时的入驻企业名单尚未生成，请稍后刷新")
    header, rows = roll_rows(roll)
    book = spreadsheets.Book(write_only=True)
    sheet = book.sheet("入驻企业名单", header=header)
    for row in rows:
        sheet.append(row)
    spool = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        book.save(spool)
    except Exception:
        spool.close()
        raise
    spool.seek(0)
    name = safe_name(f"{base_name or '基地'}_入驻企业名单_第{roll['version']}次提交.xlsx")
    return _private(send_file(spool, mimetype=spreadsheets.MIMETYPE, as_attachment=True, download_name=name))
