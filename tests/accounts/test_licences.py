"""营业执照 checks by content: images re-encoded, anything else refused with
the FAQ 2.4 message, a size limit, the temporary upload always removed."""
import io

import pytest
from PIL import Image

from services.accounts import licences
from services.common import blobs
from tests.support.web import png_bytes


def jpeg_bytes():
    out = io.BytesIO()
    Image.new("RGB", (50, 30), (10, 120, 10)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def store(tmp_path):
    return blobs.LocalBlobStore(tmp_path)


@pytest.mark.parametrize("data, content_type", [(png_bytes(), "image/png"), (jpeg_bytes(), "image/jpeg")])
def test_images_are_re_encoded(data, content_type):
    (encoded, kind), error = licences.check(data)
    assert error is None and kind == content_type
    assert Image.open(io.BytesIO(encoded)).size == Image.open(io.BytesIO(data)).size


@pytest.mark.parametrize("data", [
    b"%PDF-1.7 a scanned licence",
    b"GIF89a....",
    b"\x89PNG\r\n\x1a\n but the rest is not a PNG",
    "营业执照.png".encode(),
])
def test_anything_but_an_image_gets_the_faq_message(data):
    image, error = licences.check(data)
    assert image is None
    assert error.errors == {"licence": "请上传图片格式的营业执照"}


def test_the_size_limit():
    image, error = licences.check(b"\xff\xd8\xff" + b"0" * licences.MAX_BYTES)
    assert error.errors == {"licence": licences.TOO_BIG}


def test_the_temporary_upload_is_removed_and_only_temporary_keys_are_read(store):
    key = blobs.temp_key()
    store.put(key, png_bytes())
    data, error = licences.read_temp(store, key)
    assert error is None and data.startswith(b"\x89PNG")
    assert not store.exists(key)
    store.put("licences/someone/x.png", png_bytes())
    data, error = licences.read_temp(store, "licences/someone/x.png")
    assert data is None and error.errors == {"licence": "请上传营业执照"}
    assert store.exists("licences/someone/x.png")
    assert licences.read_temp(store, None)[1].errors == {"licence": "请上传营业执照"}
    assert licences.read_temp(store, "tmp/../../etc/passwd")[1].errors == {"licence": "请上传营业执照"}
