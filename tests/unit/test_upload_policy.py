"""The upload policy against hostile files: every refusal comes from what a
header or the zip directory claims, before any decoding or inflating, with
a clear Chinese message. Asserted by behaviour (the decoder is never
reached, the rows walked stay bounded), never by a timer; the times are in
bench/uploads.py."""
import io

import openpyxl
import pytest
from PIL import ImageFile
from openpyxl.worksheet import _read_only
from werkzeug.datastructures import FileStorage

from gateway import uploads as gateway_uploads
from services.accounts import licences
from services.common import blobs, uploads
from services.common.errors import ValidationFailed
from services.declarations import ledger_import
from tests.support import bombs
from tests.support.web import png_bytes

PIXELS_MESSAGE = "请缩小到2400万像素以内"


@pytest.fixture
def no_decoding(monkeypatch):
    """Fails the test if any image's pixels are decoded."""
    def load(self):
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)


@pytest.mark.parametrize("size", [(8940, 8940), (6001, 4000), (4900, 4900), (100_000, 100_000)])
def test_an_image_claiming_too_many_pixels_is_refused_from_its_header(no_decoding, size):
    with pytest.raises(uploads.TooManyPixels) as refused:
        uploads.reencode_image(bombs.png_bomb(*size))
    assert PIXELS_MESSAGE in str(refused.value)


def test_the_licence_check_says_why_a_huge_image_is_refused(no_decoding):
    image, error = licences.check(bombs.png_bomb())
    assert image is None
    assert PIXELS_MESSAGE in error.errors["licence"] and "图片尺寸过大" in error.errors["licence"]
    image, error = licences.check(bombs.png_bomb(6000, 5000))
    assert error.errors["licence"].startswith("图片尺寸过大（6000×5000像素）")


def test_an_image_within_the_limit_is_still_decoded_and_re_encoded():
    data, kind = uploads.reencode_image(png_bytes((300, 200)))
    assert kind == "image/png" and data.startswith(b"\x89PNG")


class Unread:
    """A blob store whose files must not be read."""

    def __init__(self, size):
        self._size = size
        self.deleted = []

    def size(self, key):
        return self._size

    def get(self, key):
        raise AssertionError("the blob was read")

    def delete(self, key):
        self.deleted.append(key)


def test_the_service_judges_an_uploads_size_before_reading_it():
    store = Unread(uploads.MAX_BYTES[uploads.LICENCE] + 1)
    data, error = licences.read_temp(store, blobs.temp_key())
    assert data is None and error.errors == {"licence": "营业执照图片不能超过10MB，请压缩后重新上传"}
    with pytest.raises(ledger_import.ImportFailed) as refused:
        ledger_import.read_upload(Unread(uploads.MAX_BYTES[uploads.LEDGER] + 1), blobs.temp_key(), None)
    assert refused.value.message == "Excel文件不能超过8MB，请分多次导入"


class UnreadStream(io.BytesIO):
    def read(self, *args):
        raise AssertionError("the upload was read")


@pytest.mark.parametrize("kind, field, size, message", [
    (uploads.LICENCE, "licence", 10 * 1024 * 1024 + 1, "营业执照图片不能超过10MB，请压缩后重新上传"),
    (uploads.LEDGER, "file", 8 * 1024 * 1024 + 1, "Excel文件不能超过8MB，请分多次导入"),
    (uploads.ATTACHMENT, "file", 32 * 1024 * 1024 + 1, "文件不能超过32MB，请压缩后重新上传"),
])
def test_the_gateway_refuses_a_file_too_big_before_reading_it(kind, field, size, message):
    stream = UnreadStream()
    stream.seek(size - 1)
    io.BytesIO.write(stream, b"\0")
    stream.seek(0)
    with pytest.raises(ValidationFailed) as refused:
        gateway_uploads.stash(FileStorage(stream, filename="x.png"), kind, field)
    assert refused.value.errors == {field: message}


def test_openpyxl_parses_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


@pytest.fixture
def rows_walked(monkeypatch):
    """Counts the rows openpyxl hands out; fails past 100 000 (a reader that
    walks a claimed row 10¹² never ends)."""
    walked = []
    original = _read_only.ReadOnlyWorksheet._cells_by_row

    def counting(self, *args, **kwargs):
        for row in original(self, *args, **kwargs):
            walked.append(1)
            if len(walked) > 100_000:
                raise AssertionError("walked more than 100000 rows")
            yield row

    monkeypatch.setattr(_read_only.ReadOnlyWorksheet, "_cells_by_row", counting)
    return walked


def test_a_sheet_claiming_row_ten_to_the_twelfth_is_refused_after_a_bounded_walk(rows_walked):
    with pytest.raises(ledger_import.ImportFailed) as refused:
        ledger_import.parse(bombs.xlsx_far_row())
    assert refused.value.message == ledger_import.TOO_MANY_ROWS
    assert "含空行" in refused.value.message
    assert len(rows_walked) == ledger_import.MAX_SHEET_ROWS + 1


def test_blank_rows_count_toward_the_row_limit_but_a_full_import_still_fits(rows_walked):
    far = bombs.xlsx_far_row(ledger_import.MAX_SHEET_ROWS + 1)
    with pytest.raises(ledger_import.ImportFailed) as refused:
        ledger_import.parse(far)
    assert refused.value.message == ledger_import.TOO_MANY_ROWS
    assert len(ledger_import.parse(bombs.xlsx_far_row(ledger_import.MAX_SHEET_ROWS))) == 1


def test_a_sheet_inflating_past_the_limit_is_refused_from_the_zip_directory(monkeypatch):
    def load_workbook(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(ledger_import, "load_workbook", load_workbook)
    data = bombs.xlsx_huge_inline_string()
    assert len(data) < 1024 * 1024  # small on the wire
    with pytest.raises(ledger_import.ImportFailed) as refused:
        ledger_import.parse(data)
    assert refused.value.message.startswith("Excel文件解压后超过32MB")


def test_entity_declarations_are_refused_not_expanded():
    with pytest.raises(ledger_import.ImportFailed) as refused:
        ledger_import.parse(bombs.xlsx_entity_expansion())
    assert refused.value.message == ledger_import.UNSAFE


def test_columns_past_the_limit_are_not_read():
    data = bombs._rewrite_sheet(lambda xml: xml.replace(
        b"</sheetData>", b'<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'))
    rows = ledger_import.parse(data)  # the far cell is beyond every column read: row 3 is blank
    assert len(rows) == 1
