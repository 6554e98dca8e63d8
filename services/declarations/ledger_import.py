"""服务台账 from an Excel template (.xlsx): every row checked against the
ledger's rule table; errors are reported by row and column, and nothing is
imported when any row fails.

A file is read within the upload policy (services/common/uploads.py): sizes
from the zip directory before anything is inflated, XML through defusedxml,
at most MAX_SHEET_ROWS rows (blank rows count: a sheet claiming row 10¹² is
refused at row MAX_SHEET_ROWS + 1, not walked) and MAX_COLUMNS columns."""
import datetime as dt
import io
import time
import zipfile

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from services.common import blobs, spreadsheets, uploads
from services.declarations import sections

MAX_ROWS = 5000  # data rows one import takes
MAX_SHEET_ROWS = MAX_ROWS + 1000  # rows read, header and blank rows included
MAX_COLUMNS = 30  # columns read; the template has one per field of the ledger
SHEET = sections.LEDGER_SHEET
TOO_MANY_ROWS = f"表格超过{MAX_SHEET_ROWS}行（含空行），一次最多导入{MAX_ROWS}条，请删除多余的行或分多次导入"
UNSAFE = "文件含有不允许的内容（外部引用或实体定义），请使用页面提供的Excel模板（.xlsx）"
YIELD_EVERY = 200  # rows between giving other work of the process a turn

if not openpyxl.DEFUSEDXML:  # pragma: no cover - defusedxml is a requirement
    raise ImportError("openpyxl must parse through defusedxml (pip install defusedxml; OPENPYXL_DEFUSEDXML unset)")


def template():
    """The .xlsx the page offers, drawn from the ledger's description as the
    gateway draws it (spreadsheets.import_template)."""
    part = next(p for p in sections.describe() if p["key"] == sections.LEDGER)
    return spreadsheets.import_template(part)


class ImportFailed(ValueError):
    def __init__(self, message, errors=()):
        super().__init__(message)
        self.message = message
        self.errors = list(errors)  # [{"row", "column", "label", "message"}]


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_upload(store, temp_key, owner):
    """The bytes of an uploaded .xlsx under its temporary key, which is
    deleted; ImportFailed when it is missing or too big (judged before it is
    read). Only a temporary upload key of `owner` (the caller) is read or
    deleted: any other key is left alone."""
    if not blobs.is_temp_key_of(temp_key, owner):
        raise ImportFailed("上传失败，请重新选择文件")
    try:
        return uploads.read_blob(store, temp_key, uploads.LEDGER)
    except uploads.BadUpload as exc:
        raise ImportFailed(str(exc))
    except blobs.BlobNotFound:
        raise ImportFailed("上传失败，请重新选择文件")
    finally:
        store.delete(temp_key)


def _rows(ws):
    """The sheet's rows as value tuples, at most MAX_COLUMNS wide; ImportFailed
    past MAX_SHEET_ROWS rows, blank or not (openpyxl yields an empty row for
    every row number a file skips, whatever number it claims)."""
    rows = ws.iter_rows(min_row=1, max_row=MAX_SHEET_ROWS + 1, max_col=MAX_COLUMNS, values_only=True)
    for number, values in enumerate(rows, start=1):
        if number > MAX_SHEET_ROWS:
            raise ImportFailed(TOO_MANY_ROWS)
        if number % YIELD_EVERY == 0:
            time.sleep(0)  # green under eventlet: health checks and heartbeats run meanwhile
        yield values


def parse(data):
    """[clean row] of a workbook; ImportFailed with every error otherwise."""
    try:
        uploads.check_xlsx(data)
    except uploads.BadUpload as exc:
        raise ImportFailed(str(exc))
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UNREADABLE as exc:
        raise _refusal(exc)
    try:
        return _parse(wb)
    except ImportFailed:
        raise
    except UNREADABLE as exc:
        raise _refusal(exc)
    finally:
        wb.close()


# What openpyxl raises for a file that is not a workbook it can read.
UNREADABLE = (DefusedXmlException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, SyntaxError)


def _refusal(exc):
    """The ImportFailed for an exception of openpyxl (which wraps some in a
    ValueError): entity tricks are named as such."""
    if isinstance(exc, DefusedXmlException) or isinstance(exc.__cause__, DefusedXmlException):
        return ImportFailed(UNSAFE)
    return ImportFailed(uploads.XLSX_UNREADABLE)


def _parse(wb):
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    rows = _rows(ws)
    header = next(rows, None)
    fields = list(sections.LEDGER_SCHEMA)
    labels = {field.label: field for field in fields}
    columns = {}
    for index, title in enumerate(header or ()):
        name = _cell(title).rstrip("*").strip()
        if name in labels:
            columns[index] = labels[name]
    missing = [field.label for field in fields if field.required and field not in columns.values()]
    if missing:
        raise ImportFailed("模板表头不正确，缺少列：" + "、".join(missing))
    clean_rows, errors = [], []
    for number, values in enumerate(rows, start=2):
        raw = {field.key: _cell(values[i]) if i < len(values) else "" for i, field in columns.items()}
        if not any(raw.values()):
            continue
        if len(clean_rows) >= MAX_ROWS:
            raise ImportFailed(f"一次最多导入{MAX_ROWS}条")
        clean, row_errors = sections.validate(sections.LEDGER, raw)
        for key, message in row_errors.items():
            col = next(i for i, field in columns.items() if field.key == key) if key in {field.key for field in columns.values()} else None
            errors.append({
                "row": number, "column": get_column_letter(col + 1) if col is not None else "",
                "label": sections.LEDGER_SCHEMA.by_key[key].label, "message": message,
            })
        clean_rows.append(clean)
    if errors:
        raise ImportFailed(f"有{len({e['row'] for e in errors})}行不符合要求，未导入任何数据，请修改后重新导入", errors)
    if not clean_rows:
        raise ImportFailed("文件中没有数据行")
    return clean_rows


# --- writing the imported rows: 追加 or 替换, never an exact duplicate ------------

APPEND = "append"
REPLACE = "replace"
MODES = (APPEND, REPLACE)
MODE_MISSING = "服务台账中已有记录：请选择将导入的记录“追加到现有台账”还是“替换现有台账”"


def _same(row):
    """A row's content without its id: two rows alike here are exact duplicates."""
    return tuple(sorted((k, v) for k, v in row.items() if k != "id" and v not in (None, "")))


def merge(existing, rows, mode):
    """(rows to keep, number added, number of exact duplicates left out).
    APPEND keeps the existing rows and adds the new ones; REPLACE drops the
    existing rows first. A row equal in every field to a kept row or to an
    earlier row of the file is left out and counted."""
    kept = list(existing) if mode == APPEND else []
    seen = {_same(r) for r in kept}
    added = skipped = 0
    for row in rows:
        fingerprint = _same(row)
        if fingerprint in seen:
            skipped += 1
            continue
        seen.add(fingerprint)
        kept.append(row)
        added += 1
    return kept, added, skipped
