"""服务台账 from an Excel template (.xlsx): every row checked against the
ledger's rule table; errors are reported by row and column, and nothing is
imported when any row fails."""
import datetime as dt
import io
import zipfile

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from services.common import spreadsheets
from services.declarations import sections as s

MAX_ROWS = 5000
SHEET = "服务台账"


def template():
    """The .xlsx the page offers: one header row of labels, help as a note row."""
    fields = list(s.LEDGER_SCHEMA)
    book = spreadsheets.Book()
    sheet = book.sheet(SHEET, header=[f.label + ("*" if f.required else "") for f in fields], widths=16)
    example = {
        "served_on": "2025-03-15", "category": "创业辅导", "target": "南京某某科技有限公司",
        "content": "创业计划书辅导", "mode": "线下", "place": "基地二楼会议室", "companies": 1,
        "participants": 3, "fee_mode": "免费", "fee": 0, "feedback": "满意",
    }
    sheet.append([example.get(f.key) for f in fields])
    notes = book.sheet("填写说明", header=["列", "填写说明", "可选值"])
    for f in fields:
        notes.append([f.label, f.help, "、".join(getattr(f, "options", ()) or ())])
    return book.to_bytes()


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


def parse(data):
    """[clean row] of a workbook; ImportFailed with every error otherwise."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ImportFailed("文件无法读取，请使用页面提供的Excel模板（.xlsx）")
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    fields = list(s.LEDGER_SCHEMA)
    labels = {f.label: f for f in fields}
    columns = {}
    for index, title in enumerate(header or ()):
        name = _cell(title).rstrip("*").strip()
        if name in labels:
            columns[index] = labels[name]
    missing = [f.label for f in fields if f.required and f not in columns.values()]
    if missing:
        raise ImportFailed("模板表头不正确，缺少列：" + "、".join(missing))
    clean_rows, errors = [], []
    for number, values in enumerate(rows, start=2):
        raw = {f.key: _cell(values[i]) if i < len(values) else "" for i, f in columns.items()}
        if not any(raw.values()):
            continue
        if len(clean_rows) >= MAX_ROWS:
            raise ImportFailed(f"一次最多导入{MAX_ROWS}条")
        clean, row_errors = s.validate(s.LEDGER, raw)
        for key, message in row_errors.items():
            col = next(i for i, f in columns.items() if f.key == key) if key in {f.key for f in columns.values()} else None
            errors.append({
                "row": number, "column": get_column_letter(col + 1) if col is not None else "",
                "label": s.LEDGER_SCHEMA.by_key[key].label, "message": message,
            })
        clean_rows.append(clean)
    wb.close()
    if errors:
        raise ImportFailed(f"有{len({e['row'] for e in errors})}行不符合要求，未导入任何数据，请修改后重新导入", errors)
    if not clean_rows:
        raise ImportFailed("文件中没有数据行")
    return clean_rows
