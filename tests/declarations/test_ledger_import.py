"""服务台账 from Excel: the offered template, a good file, a file with bad rows."""
import io

import pytest
from openpyxl import load_workbook

from services.declarations import ledger_import
from services.declarations import sections as s
from tests.declarations.fixtures import GOOD, workbook  # noqa: F401


def test_the_template_has_every_column_and_its_example_row_imports():
    data = ledger_import.template()
    ws = load_workbook(io.BytesIO(data)).active
    labels = [cell.value.rstrip("*") for cell in ws[1]]
    assert labels == [f.label for f in s.LEDGER_SCHEMA]
    assert len(ledger_import.parse(data)) == 1


def test_a_good_file_imports_every_row_cleaned():
    import datetime as dt

    second = list(GOOD)
    second[0] = dt.datetime(2025, 4, 2)  # Excel date cells are fine too
    second[8], second[9] = "低收费", 50.5
    rows = ledger_import.parse(workbook([GOOD, second]))
    assert [r["served_on"] for r in rows] == ["2025-03-15", "2025-04-02"]
    assert rows[1]["fee"] == "50.50" and rows[0]["companies"] == 1


def test_a_file_with_bad_rows_reports_row_and_column_and_imports_nothing():
    bad_amount = list(GOOD)
    bad_amount[8], bad_amount[9] = "市场价", "1,000"
    bad_category = list(GOOD)
    bad_category[1] = "餐饮"
    with pytest.raises(ledger_import.ImportFailed) as err:
        ledger_import.parse(workbook([GOOD, bad_amount, bad_category]))
    errors = {(e["row"], e["column"], e["label"]) for e in err.value.errors}
    assert errors == {(3, "J", "收费金额"), (4, "B", "服务类别")}
    assert "未导入任何数据" in err.value.message
    assert "逗号" in next(e["message"] for e in err.value.errors if e["row"] == 3)


def test_a_wrong_header_or_not_an_excel_file_is_explained():
    with pytest.raises(ledger_import.ImportFailed) as err:
        ledger_import.parse(workbook([GOOD], header=["日期", "类别"]))
    assert "缺少列" in err.value.message
    with pytest.raises(ledger_import.ImportFailed) as err:
        ledger_import.parse(b"%PDF-1.4 not excel")
    assert "无法读取" in err.value.message
