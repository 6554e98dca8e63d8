"""Reading back a workbook the system wrote."""
import io
import zipfile

from openpyxl import load_workbook


def assert_text_cells(data, expected):
    """Every value of `expected` is in the workbook as a string cell, and no
    cell of any sheet is a formula (neither as openpyxl reads it nor in the
    sheets' XML)."""
    book = load_workbook(io.BytesIO(data))
    found = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if cell.value in expected:
                    found[cell.value] = cell.data_type
    assert found == {value: "s" for value in expected}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name)
                assert b"<f>" not in xml and b"<f " not in xml, name


def rows(data, sheet=None):
    """The values of a sheet (the first by default), row by row."""
    book = load_workbook(io.BytesIO(data))
    return list((book[sheet] if sheet else book.worksheets[0]).iter_rows(values_only=True))
