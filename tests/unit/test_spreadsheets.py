"""The one way workbooks are written (services.common.spreadsheets): text is
a string cell in normal and in write-only mode, never a formula or an error
value, and never altered; and no other module builds a workbook."""
import datetime as dt
import pathlib
import re

import pytest

from services.common import spreadsheets
from tests.support.spreadsheets import assert_text_cells, rows

HOSTILE = [
    '=HYPERLINK("http://evil.example/x","点击查看")',
    "+8613800001111",
    "-5",
    "@SUM(A1:A2)",
    "#N/A",
    "=1+1",
]


@pytest.mark.parametrize("write_only", [True, False])
def test_text_is_a_string_cell_and_kept_as_typed(write_only):
    book = spreadsheets.Book(write_only=write_only)
    sheet = book.sheet("列表", header=["值", "数量", "日期"], widths=16)
    for value in HOSTILE:
        sheet.append([value, 3, dt.date(2026, 3, 1)])
    data = book.to_bytes()
    assert_text_cells(data, set(HOSTILE))
    read = rows(data)
    assert read[0] == ("值", "数量", "日期")
    assert [r[0] for r in read[1:]] == HOSTILE
    assert {r[1] for r in read[1:]} == {3}  # numbers stay numbers
    assert read[1][2] == dt.datetime(2026, 3, 1)


def test_values_a_sheet_cannot_hold_are_made_safe():
    aware = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.timezone.utc)
    data = spreadsheets.workbook("x", ["a", "b", "c", "d"], [["a\x00b\x1fc", True, ["甲", "乙"], aware],
                                                             ["长" * 40000, None, 1.5, None]])
    read = rows(data)
    assert read[1] == ("abc", "是", "甲、乙", dt.datetime(2026, 3, 1, 10, 0))
    assert len(read[2][0]) == spreadsheets.MAX_TEXT and read[2][2] == 1.5


def test_no_other_module_builds_a_workbook():
    root = pathlib.Path(__file__).resolve().parents[2]
    writers = []
    for path in list((root / "services").rglob("*.py")) + list((root / "gateway").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bWorkbook\s*\(|WriteOnlyCell|import Workbook|\.save\(.*xlsx", text):
            writers.append(str(path.relative_to(root)))
    assert writers == ["services/common/spreadsheets.py"]
