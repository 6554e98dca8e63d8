"""Every workbook (.xlsx) the system writes is built here.

What people typed (a base's name, a tenant's answers, a reason) goes into a
spreadsheet a reviewer or an enterprise opens in Excel. openpyxl stores a text
beginning with "=" as a formula and a text such as "#N/A" as an error value,
so an enterprise that names its base `=HYPERLINK("http://…","点击查看")` would
have the reader's Excel run it. Here every text is written as a string cell
(data type `s`, an inline string in the file), in normal and in write-only
mode: never a formula, never an error, and never altered ("+8613800000000"
and "-5" stay exactly as typed, no quote added). Numbers stay numbers, dates
dates; anything else is written as its text. Characters a worksheet cannot
hold (control characters) are dropped and a text is cut to Excel's 32,767.

    book = Book(write_only=True)
    sheet = book.sheet("申报列表", header=["基地名称", "入驻企业数"])
    sheet.append(["=HYPERLINK(...)", 12])
    book.save(out)            # a file object; or book.to_bytes()
"""
import datetime as dt
import decimal
import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from services.common import clock

MAX_TEXT = 32767  # Excel's limit of one cell
MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text(value):
    """A value as the text a string cell may hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_TEXT]


def plain(value):
    """What a cell holds: None, a number, a date or a text (str)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float, decimal.Decimal)):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = clock.beijing(value).replace(tzinfo=None)  # Excel has no time zones
        return value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (list, tuple)):
        return text("、".join("" if v is None else str(v) for v in value))
    return text(value)


def _fill(cell, value):
    """Set a cell's value; a text is always a string cell."""
    value = plain(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # after the value: openpyxl would have guessed "f" or "e"
    return cell


class Sheet:
    def __init__(self, book, worksheet):
        self._book = book
        self._ws = worksheet
        self._rows = 0

    @property
    def title(self):
        return self._ws.title

    def append(self, values, bold=False):
        """Add one row."""
        self._rows += 1
        if self._book.write_only:
            row = []
            for value in values:
                cell = _fill(WriteOnlyCell(self._ws), value)
                if bold:
                    cell.font = Font(bold=True)
                row.append(cell)
            self._ws.append(row)
            return
        for column, value in enumerate(values, start=1):
            cell = _fill(self._ws.cell(row=self._rows, column=column), value)
            if bold:
                cell.font = Font(bold=True)

    def freeze(self, coordinate):
        self._ws.freeze_panes = coordinate


class Book:
    """A workbook whose cells are written safely (see the module's doc).
    `write_only`: rows go out as they come (long exports), not into memory."""

    def __init__(self, write_only=False):
        self.write_only = write_only
        self._wb = Workbook(write_only=write_only)
        self._first = None if write_only else self._wb.active

    def sheet(self, title, header=None, widths=None):
        """A new sheet; `header` is written as a bold first row, `widths`
        (one number, or one per column) sets column widths."""
        if self._first is not None:
            ws, self._first = self._first, None
            ws.title = title
        else:
            ws = self._wb.create_sheet(title)
        if widths is not None:
            count = len(header or ()) or (len(widths) if isinstance(widths, (list, tuple)) else 0)
            for index in range(count):
                width = widths[index] if isinstance(widths, (list, tuple)) else widths
                ws.column_dimensions[get_column_letter(index + 1)].width = width
        sheet = Sheet(self, ws)
        if header is not None:
            sheet.append(header, bold=True)
        return sheet

    def save(self, out):
        self._wb.save(out)

    def to_bytes(self):
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()


def workbook(title, header, rows, widths=16):
    """The bytes of a one-sheet workbook: a bold header, then the rows."""
    book = Book(write_only=True)
    sheet = book.sheet(title, header=header, widths=widths)
    for row in rows:
        sheet.append(row)
    return book.to_bytes()


def import_template(part):
    """The .xlsx template of an import, drawn from a described part
    (docs/descriptions.md) with a `template` {sheet, example}: a bold row of
    the fields' labels (* when required), the example row, and a sheet
    填写说明 with each field's help and options."""
    fields = part["fields"]
    spec = part.get("template") or {}
    book = Book()
    sheet = book.sheet(spec.get("sheet") or part["label"],
                       header=[f["label"] + ("*" if f.get("required") else "") for f in fields], widths=16)
    example = spec.get("example") or {}
    sheet.append([example.get(f["key"]) for f in fields])
    notes = book.sheet("填写说明", header=["列", "填写说明", "可选值"])
    for f in fields:
        notes.append([f["label"], f.get("help", ""), "、".join(f.get("options") or ())])
    return book.to_bytes()
