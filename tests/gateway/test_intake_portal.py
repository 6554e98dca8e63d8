"""The portal's 入驻企业 section through the gateway: QR code downloads and
poster, the entries and totals after tenants submitted on the intake pages,
exclude / reopen, Excel export, revoking the link, access.

The tenants service runs for real; the accounts service (who is logged in)
and the declarations service (the declaration's owner, 基地名称 and batch) are
stand-ins that answer the two RPCs these pages use."""
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from gateway import create_app
from services.common import contracts as c
from services.common.entrypoints import Caller, rpc
from services.common.errors import NotFound
from services.tenants.service import TenantsService
from tests.gateway.intake_walk import WECHAT_UA, walk
from tests.support.spreadsheets import assert_text_cells
from tests.support.web import hidden_fields
from tests.support.identifiers import credit_code
from tests.tenants.helpers import BASE_NAME, OTHER, OWNER, entry_data, started
from tests.gateway.intake_links import PUBLIC, intake_path, shown_link  # noqa: F401


DECL = "decl-portal-1"
CLOSES = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)).isoformat()
SESSIONS = {
    "owner-session": OWNER,
    "other-session": OTHER,
}


class FakeAccounts:
    name = c.ACCOUNTS

    @rpc(public=True)
    def resolve_session(self, token):
        principal = SESSIONS.get(token)
        if principal is None:
            return None
        return {
            "principal": {"kind": principal.kind, "id": principal.id,
                          "region_code": principal.region_code, "level": principal.level},
            "account": {"id": principal.id, "kind": principal.kind, "username": principal.id,
                        "display_name": "示例运营企业", "region_code": principal.region_code, "level": None},
        }


class FakeDeclarations:
    name = c.DECLARATIONS
    caller = Caller()

    @rpc
    def get(self, declaration_id):
        if declaration_id != DECL or self.caller.id != OWNER.id:
            raise NotFound("未找到该申报")
        return {
            "id": DECL,
            "state": c.DRAFT,
            "editable": True,
            "enterprise_id": OWNER.id,
            "batch": {"closes_at": CLOSES, "resubmit_until": CLOSES},
            "sections": {"application": {"base_name": BASE_NAME}},
        }


@pytest.fixture
def system(runner_factory, config):
    runner = runner_factory(config, TenantsService, FakeAccounts, FakeDeclarations)
    runner.start()
    started(config, DECL)  # what declarations tells tenants at 开始申报
    return runner


@pytest.fixture
def app(config, system):
    app = create_app({**config, c.ENV_PUBLIC_BASE_URL: PUBLIC})
    yield app
    app.extensions["rpc"].close()


@pytest.fixture
def owner(app):
    client = app.test_client()
    client.set_cookie("sme_session", "owner-session")
    return client


def section(owner):
    response = owner.get(f"/center/declarations/{DECL}/tenants")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_the_owner_gets_a_qr_code_and_sees_what_tenants_submitted(app, owner):
    html = section(owner)
    assert "入驻企业填报二维码" in html and "还没有入驻企业提交信息" in html
    path = intake_path(app, html)
    token = path.rsplit("/", 1)[1]

    png = owner.get(f"/center/declarations/{DECL}/tenants/qrcode.png?download=1")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert png.headers["Content-Disposition"].startswith("attachment;")
    svg = owner.get(f"/center/declarations/{DECL}/tenants/qrcode.svg?download=1")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    poster = owner.get(f"/center/declarations/{DECL}/tenants/poster").get_data(as_text=True)
    assert BASE_NAME in poster and "微信扫一扫，填写入驻企业信息" in poster
    assert "<svg" in poster
    sheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', poster).group(1)  # printed on A4
    assert "size: A4" in owner.get(sheet).get_data(as_text=True)
    assert PUBLIC + shown_link(html) in poster  # the short link, for those who type it

    # Two tenants scan and submit on their phones.
    small = entry_data(credit_code(), size="小型", employees=12, revenue="300", name="=HYPERLINK(\"http://x\")甲")
    medium = entry_data(credit_code(), size="中型", employees=200, revenue="5000.5", name="乙制造有限公司")
    assert walk(app.test_client(), token, small).status_code == 302
    assert walk(app.test_client(), token, medium).status_code == 302

    html = section(owner)
    for data in (small, medium):
        assert data["basic"]["credit_code"] in html
    assert "乙制造有限公司" in html and "=HYPERLINK(&#34;http://x&#34;)甲" in html  # escaped
    assert "已提交" in html and "小型" in html and "中型" in html
    assert re.search(r'id="total-count">2<', html) and re.search(r'id="total-small-micro">1<', html)
    assert "50.00%" in html and re.search(r'id="total-employees">212<', html)
    assert re.search(r'id="total-revenue">5300.50<', html)

    export = owner.get(f"/center/declarations/{DECL}/tenants/export.xlsx")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.data))
    rows = list(book["入驻企业"].values)
    assert rows[0][:3] == ("序号", "入驻日期", "租用面积（㎡）")
    # A name that looks like a formula stays text.
    assert [r[3] for r in rows[1:]] == ['=HYPERLINK("http://x")甲', "乙制造有限公司"]
    assert book["入驻企业"]["D2"].data_type == "s"
    assert_text_cells(export.data, {'=HYPERLINK("http://x")甲'})
    summary = dict(book["汇总"].values)
    assert summary["入驻企业数"] == 2 and summary["其中小微企业数"] == 1


def test_the_owner_excludes_with_a_reason_and_reopens_an_entry(app, owner):
    token = intake_path(app, section(owner)).rsplit("/", 1)[1]
    data = entry_data(credit_code(), name="丙服务有限公司")
    walk(app.test_client(), token, data)
    entry_url = re.search(r'href="(/center/declarations/[^"]+/tenants/entries/[^"]+)"', section(owner)).group(1)
    page = owner.get(entry_url).get_data(as_text=True)
    assert "丙服务有限公司" in page and "所属基地信息" in page and "运营数据" in page
    form = hidden_fields(page)

    response = owner.post(entry_url + "/exclude", data={**form, "reason": " "})
    assert response.status_code == 422 and "请填写排除原因" in response.get_data(as_text=True)
    response = owner.post(entry_url + "/exclude", data={**form, "reason": "已于去年迁出本基地"})
    assert response.status_code == 302
    html = section(owner)
    assert "已排除" in html and "已于去年迁出本基地" in html and re.search(r'id="total-count">0<', html)

    response = owner.post(entry_url + "/reopen", data=form)
    assert response.status_code == 302
    assert "待修改" in owner.get(entry_url).get_data(as_text=True)


def test_revoking_the_link_and_making_a_new_one(app, owner):
    html = section(owner)
    old = shown_link(html)
    assert "开始填写" in app.test_client().get(old, follow_redirects=True).get_data(as_text=True)
    form = hidden_fields(html)
    assert owner.post(f"/center/declarations/{DECL}/tenants/link/revoke", data=form).status_code == 302
    html = section(owner)
    assert "二维码已作废" in html and "生成新二维码" in html
    assert owner.get(f"/center/declarations/{DECL}/tenants/qrcode.png").status_code == 404
    assert app.test_client().get(old, headers={"User-Agent": WECHAT_UA}).status_code == 410

    assert owner.post(f"/center/declarations/{DECL}/tenants/link", data=form).status_code == 302
    new = shown_link(section(owner))
    assert new != old
    assert "开始填写" in app.test_client().get(new, follow_redirects=True).get_data(as_text=True)
    assert app.test_client().get(old).status_code == 410  # the revoked code stays dead
    assert app.test_client().get("/q/" + "A" * 22).status_code == 404


def test_only_the_owner_reaches_the_section(app):
    anonymous = app.test_client()
    response = anonymous.get(f"/center/declarations/{DECL}/tenants")
    assert response.status_code == 302 and "/login" in response.location
    other = app.test_client()
    other.set_cookie("sme_session", "other-session")
    assert other.get(f"/center/declarations/{DECL}/tenants").status_code == 404
    assert other.get(f"/center/declarations/{DECL}/tenants/export.xlsx").status_code == 404
    assert other.get(f"/center/declarations/{DECL}/tenants/qrcode.png").status_code == 404
