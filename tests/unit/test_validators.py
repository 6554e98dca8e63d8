"""Validators and rule tables shared by the services."""
import io

import pytest
from PIL import Image

from services.common import fields as f
from services.common import regions, uploads, validators as v
from services.common.blobs import BlobNotFound, LocalBlobStore
from tests.support.web import png_bytes


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91320102MA1N2XUK3T"])
def test_valid_credit_codes(code):
    first17 = code[:17]
    assert v.credit_code(first17 + v.credit_code_check_char(first17)) is None
    if code == "91350100M000100Y43":
        assert v.credit_code(code) is None


@pytest.mark.parametrize(
    "code, rule",
    [
        ("9135010", "长度应为18位"),
        ("91350100M000100Y4", "长度应为18位"),
        ("91350100M000100YI3", "含有非法字符"),
        ("91350100m000100Y43", "含有非法字符"),
        ("91350100M000100Y44", "校验位不正确"),
    ],
)
def test_invalid_credit_codes_name_the_rule(code, rule):
    assert rule in v.credit_code(code)


def test_check_char_31_becomes_0():
    # Find a 17-char prefix whose weighted sum is a multiple of 31.
    prefix = "00000000000000000"
    assert v.credit_code_check_char(prefix) == "0"


@pytest.mark.parametrize("value", ["0", "12", "12.3", "12.30", "1234567.89"])
def test_amounts_accepted(value):
    assert v.amount(value) is None


@pytest.mark.parametrize("value", ["1,000", "12.345", "-1", "abc", "1e3", "", "１２"])
def test_amounts_refused_with_the_faq_message(value):
    assert v.amount(value) == "金额请填写数字，最多两位小数，不要使用逗号"


@pytest.mark.parametrize("value, ok", [("13812345678", True), ("12812345678", False), ("1381234567", False), ("138123456789", False)])
def test_mobile(value, ok):
    assert (v.mobile(value) is None) is ok


def test_regions():
    assert len(regions.cities()) == 13
    assert sum(len(regions.counties(code)) for code, _ in regions.cities()) == 104
    assert regions.is_county("320102") and regions.city_of("320102") == "320100"
    assert regions.is_county("320576") and regions.city_of("320576") == "320500"
    assert v.county_region("320100") and v.county_region("110101")
    assert v.county_region("320102") is None


def test_schema_checks_only_what_is_filled_until_everything_is_required():
    schema = f.Schema(f.Text("name", "基地名称", required=True, max_length=4), f.Amount("money", "累计投入"))
    assert schema.validate({"money": "10.5"}) == ({"money": "10.50"}, {})
    clean, errors = schema.validate({"money": "1,0"}, require_all=True)
    assert errors == {"name": f.REQUIRED_MESSAGE, "money": v.AMOUNT_MESSAGE}
    assert schema.validate({"name": "太长的名字"})[1] == {"name": "不能超过4字（当前5字）"}


def test_uploads_are_judged_by_content():
    png = png_bytes((20, 10))
    assert uploads.sniff(png) == "image/png"
    assert uploads.sniff(b"%PDF-1.7 ...") == "application/pdf"
    assert uploads.sniff(b"GIF89a....") is None
    data, kind = uploads.reencode_image(png)
    assert kind == "image/png" and Image.open(io.BytesIO(data)).size == (20, 10)
    with pytest.raises(uploads.BadUpload):
        uploads.reencode_image(b"\x89PNG\r\n\x1a\n" + b"garbage")


def test_local_blob_store(tmp_path):
    store = LocalBlobStore(tmp_path)
    meta = store.put("tmp/abc", b"hello", "text/plain")
    assert meta["size"] == 5 and len(meta["sha256"]) == 64
    store.move("tmp/abc", "licences/1.png")
    assert not store.exists("tmp/abc") and store.get("licences/1.png") == b"hello"
    store.delete("licences/1.png")
    with pytest.raises(BlobNotFound):
        store.get("licences/1.png")
    with pytest.raises(ValueError):
        store.put("../escape", b"x")
