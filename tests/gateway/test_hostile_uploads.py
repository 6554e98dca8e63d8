"""Every upload endpoint fed the bombs, through the gateway against the real
services on RabbitMQ and PostgreSQL: 注册 and 申诉 (营业执照, no login), 附件
and the 服务台账 import. Each is refused with a clear message before any
decoding (no image is decoded, no workbook opened), and the service still
answers the next request. Times: bench/uploads.py."""
import io

import pytest
from PIL import ImageFile

from services.accounts.service import AccountsService
from services.declarations import ledger_import
from tests.accounts.helpers import post as accounts_post, register_via_gateway, registration_data
from tests.gateway.declaring import (  # noqa: F401  (fixtures)
    batch, client_of, post, services_config, start, system, text,
)
from tests.gateway.sms_codes import ask_code
from tests.support import bombs
from tests.support.web import png_bytes

PIXELS = "图片尺寸过大（8940×8940像素），请缩小到2400万像素以内"


@pytest.fixture
def no_decoding(monkeypatch):
    """Fails the request (a 5xx page, the test) if any image is decoded."""
    decoded = []

    def load(self):
        decoded.append(self.size)
        raise AssertionError("an image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return decoded


@pytest.fixture
def no_workbook_opened(monkeypatch):
    opened = []

    def load_workbook(*args, **kwargs):
        opened.append(1)
        raise AssertionError("a workbook was opened")

    monkeypatch.setattr(ledger_import, "load_workbook", load_workbook)
    return opened


@pytest.fixture
def accounts(container_factory, services_config):
    container = container_factory(AccountsService, services_config)
    container.start()
    return container


def test_register_and_appeal_refuse_an_image_bomb_from_its_header(accounts, app, services_config, no_decoding,
                                                                  monkeypatch):
    client = app.test_client()
    data = registration_data()
    _, code = ask_code(client, services_config, data["contact_phone"])
    form = dict(data, sms_code=code, action="register", licence=(io.BytesIO(bombs.png_bomb()), "执照.png"))
    refused = accounts_post(client, "/register", form, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert PIXELS in refused.get_data(as_text=True)

    _, code = ask_code(client, services_config, "13500005555", purpose="appeal", new_phone="13500005555")
    refused = accounts_post(client, "/appeal", {
        "credit_code": data["credit_code"], "name": data["name"], "contact_name": "王五",
        "new_phone": "13500005555", "sms_code": code, "licence": (io.BytesIO(bombs.png_bomb()), "licence.png"),
    }, content_type="multipart/form-data")
    assert refused.status_code == 422 and PIXELS in refused.get_data(as_text=True)
    assert no_decoding == []
    monkeypatch.undo()  # decoding allowed again: the service still registers the next enterprise
    register_via_gateway(client, services_config)


def test_a_licence_too_big_is_refused_by_the_gateway(accounts, app, services_config):
    client = app.test_client()
    data = registration_data()
    big = png_bytes() + b"\0" * (10 * 1024 * 1024)
    form = dict(data, sms_code="123456", action="register", licence=(io.BytesIO(big), "执照.png"))
    refused = accounts_post(client, "/register", form, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "营业执照图片不能超过10MB，请压缩后重新上传" in refused.get_data(as_text=True)


def test_attachments_refuse_an_image_bomb(system, app, batch, no_decoding):
    client = client_of(app, "token-1")
    did = start(client, batch)
    base = f"/center/declarations/{did}/sections"
    refused = post(client, base + "/attachments", {"category": "申请报告", "file": (io.BytesIO(bombs.png_bomb()), "x.png")},
                   content_type="multipart/form-data")
    assert refused.status_code == 422 and PIXELS in text(refused)
    assert no_decoding == []


@pytest.mark.parametrize("bomb, message", [
    (bombs.xlsx_far_row, ledger_import.TOO_MANY_ROWS),
    (bombs.xlsx_entity_expansion, ledger_import.UNSAFE),
])
def test_the_ledger_import_refuses_sheet_bombs(system, app, batch, bomb, message):
    client = client_of(app, "token-1")
    did = start(client, batch)
    base = f"/center/declarations/{did}/sections"
    refused = post(client, base + "/ledger/import", {"file": (io.BytesIO(bomb()), "台账.xlsx")},
                   content_type="multipart/form-data")
    assert refused.status_code == 422 and message in text(refused)
    ok = post(client, base + "/ledger/import", {"file": (io.BytesIO(ledger_import.template()), "t.xlsx")},
              content_type="multipart/form-data")
    assert ok.status_code == 302


def test_the_ledger_import_refuses_an_inflating_sheet_before_opening_it(system, app, batch, no_workbook_opened):
    client = client_of(app, "token-1")
    did = start(client, batch)
    refused = post(client, f"/center/declarations/{did}/sections/ledger/import",
                   {"file": (io.BytesIO(bombs.xlsx_huge_inline_string()), "台账.xlsx")},
                   content_type="multipart/form-data")
    assert refused.status_code == 422 and "Excel文件解压后超过32MB" in text(refused)
    assert no_workbook_opened == []
