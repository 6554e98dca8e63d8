"""The evidence of a case through the gateway, against the real declarations,
tenants and review services: 打印申请表 on the case page and on the
enterprise's 查看 page (the same stored PDF), the public /verify page of its
QR code, all 附件 as one zip named by 申报编号, and the 入驻企业名单 as
submitted, shown and exported; a reviewer of another county gets none."""
import io
import re
import zipfile

import eventlet
from openpyxl import load_workbook

from gateway.documents import safe_name, zip_entry_names
from services.common import contracts as c
from tests.declarations.fixtures import ATTACHMENT, BASE_NAME, PUBLIC
from tests.declarations.helpers import ADMIN
from tests.gateway.case_evidence_fixtures import (  # noqa: F401  (fixtures)
    SESSIONS, case, client_of, services_config, system, wait_for,
)
from tests.accounts.helpers import post
from tests.declarations.fixtures import add_tenants, proxy
from tests.support import pdf


def test_a_reviewer_takes_the_evidence_of_a_case(app, case, services_config):
    did, reference = case
    county = client_of(app, "t-county")
    page = wait_for(county, f"/console/cases/{did}", "企业0")  # review and tenants learnt of 提交
    assert "打印申请表" in page and "下载全部附件" in page and "导出入驻企业名单" in page
    assert "入驻企业名单（提交时）" in page and "企业0" in page and "企业1" in page

    printed = county.get(f"/console/cases/{did}/print")
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    assert "attachment" in printed.headers["Content-Disposition"]
    assert printed.headers["Cache-Control"] == "private, no-store"
    document = printed.data
    text = pdf.text(document)
    assert BASE_NAME in text and reference in text

    bundle = county.get(f"/console/cases/{did}/attachments.zip")
    assert bundle.status_code == 200 and bundle.mimetype == "application/zip"
    assert f"{reference}_" in _filename(bundle) and _filename(bundle).endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        assert archive.namelist() == ["申请报告/申请报告_1_.pdf"]
        assert archive.read("申请报告/申请报告_1_.pdf") == ATTACHMENT

    exported = county.get(f"/console/cases/{did}/tenants.xlsx")
    assert exported.status_code == 200 and _filename(exported).endswith("入驻企业名单_第1次提交.xlsx")
    rows = list(load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("序号", "填报编号", "企业名称", "统一社会信用代码") and "从业人员" in "".join(header)
    assert [r[2] for r in rows[1:]] == ["企业0", "企业1"] and rows[1][5] == "已提交"

    # What the reviewer took out is in the 操作日志 of the service that holds it.
    taken = {c.DECLARATIONS: {"download.application", "download.attachments"}, c.TENANTS: {"export.tenants"}}
    for service, actions in taken.items():
        with proxy(service, services_config, ADMIN) as holder:
            logged = holder.list_operations()["items"]
        assert actions <= {row["action"] for row in logged if reference in row["target"]}, service

    # A reviewer of another county has none of it.
    other = client_of(app, "t-other-county")
    for path in ("", "/print", "/attachments.zip", "/tenants.xlsx"):
        assert other.get(f"/console/cases/{did}{path}").status_code == 404, path

    # The enterprise prints the same stored document from 查看.
    owner = client_of(app, "t-owner")
    view = owner.get(f"/center/declarations/{did}/view").get_data(as_text=True)
    assert "打印申请表" in view
    assert owner.get(f"/center/declarations/{did}/print").data == document
    assert client_of(app, "t-other").get(f"/center/declarations/{did}/print").status_code == 404

    # The QR code's page: the version, its digest and the state, for anyone.
    [url] = pdf.qr_codes(document)
    path = url[len(PUBLIC):]
    anonymous = app.test_client()
    seen = anonymous.get(path)
    html = seen.get_data(as_text=True)
    assert seen.status_code == 200 and reference in html and "第 1 次提交" in html and "待区县审核" in html
    digest = re.search(r"<code>([0-9a-f]{64})</code>", html).group(1)
    assert digest in text.replace("\n", "")
    assert BASE_NAME not in html and "下载该版本申请表" not in html
    assert "下载该版本申请表" in county.get(path).get_data(as_text=True)
    assert "下载该版本申请表" not in client_of(app, "t-other-county").get(path).get_data(as_text=True)
    missing = anonymous.get(path[:-4] + "AAAA")
    assert missing.status_code == 404 and "未找到该申请表" in missing.get_data(as_text=True)


def test_the_case_shows_the_tenants_as_submitted_not_as_they_are_now(app, case, services_config):
    did, _ = case
    county = client_of(app, "t-county")
    page = wait_for(county, f"/console/cases/{did}", "企业1")
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
    returned = post(county, f"/console/cases/{did}/return",
                    {"revision": revision, "reason": "请核实入驻企业", "sections": ["tenants"], "confirm": "1"})
    assert returned.status_code == 302
    owner = SESSIONS["t-owner"]
    with proxy(c.TENANTS, services_config, owner) as tenants:
        for _ in range(100):
            if tenants.link_status(did)["intake_open"]:
                break
            eventlet.sleep(0.1)
        add_tenants(services_config, owner, did, count=1)  # a third tenant, after the return
        assert tenants.totals(did)["count"] == 3
    page = county.get(f"/console/cases/{did}").get_data(as_text=True)
    assert "已填报 2 家" in page and "已填报 3 家" not in page
    assert "共 2 家填报，计入 2 家" in page


def test_names_in_the_zip_are_safe_and_unique():
    files = [
        {"category": "申请报告", "filename": "../../etc/passwd"},
        {"category": "申请报告", "filename": "报告.pdf"},
        {"category": "申请报告", "filename": "报告.pdf"},
        {"category": "a/b", "filename": "C:\\x\\..\\y.pdf"},
        {"category": "服务证明材料", "filename": "\x00"},
    ]
    names = zip_entry_names(files)
    assert names == ["申请报告/etc_passwd", "申请报告/报告.pdf", "申请报告/报告(2).pdf", "a_b/C_x_.._y.pdf",
                     "服务证明材料/附件"]
    assert all(part not in ("", ".", "..") for name in names for part in name.split("/"))
    assert len(safe_name("长" * 300 + ".pdf")) == 100 and safe_name("长" * 300 + ".pdf").endswith(".pdf")


def _filename(response):
    disposition = response.headers["Content-Disposition"]
    from urllib.parse import unquote

    match = re.search(r"filename\*=UTF-8''([^;]+)", disposition)
    return unquote(match.group(1)) if match else disposition
