"""The evidence of a case in a real browser against the whole running system:
an enterprise submits and prints its 申请表 from 查看; the county reviewer
opens the case by clicking and downloads the printed 申请表 (its text holds
the base's name and 申报编号, its fonts are embedded, its QR code opens the
verification page of that version), all 附件 as one zip named by 申报编号,
and the 入驻企业名单 as submitted in Excel."""
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from services.common.config import ROOT
from tests.browser.declaring import (
    APPLICATION,
    PARTNER,
    PASSWORD,
    TENANT,
    fill_form,
    fill_lists_and_attachments,
    open_section,
    tenant_fills_intake,
)
from tests.browser.reviewing import reload_until, reviewer_page
from tests.support import browser as support
from tests.support import pdf
from tests.support.browser import seed_demo_batch
from tests.support.identifiers import credit_code, phone_number

PHONE = phone_number()
CODE = credit_code(region="320102")
USERNAME = "evidence_base"
BASE_NAME = "玄武材料示范园"
REVIEWER = "xw_evidence"


def create_reviewer(system):
    subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "services.accounts.manage", "create-staff",
         "--username", REVIEWER, "--name", "玄武区审核员", "--kind", "reviewer",
         "--level", "county", "--region", "320102", "--password-stdin"],
        cwd=ROOT, env=system.env, check=True, capture_output=True, input=PASSWORD + "\n", text=True,
    )


def submit_declaration(page, system):
    support.register_and_login(page, system, USERNAME, PASSWORD, "南京玄武材料示范园运营有限公司", CODE, "320102", PHONE)
    page.get_by_role("link", name="认定申报").click()
    page.get_by_role("link", name="开始申报").click()
    page.check("#f-accept")
    page.get_by_role("button", name="下一步").click()
    open_section(page, "申请表")
    fill_form(page, {**APPLICATION, "base_name": BASE_NAME, "revenue": "1000", "contact_mobile": PHONE})
    page.get_by_role("button", name="保存").click()
    expect(page.locator("tr[data-section=application] .section-state")).to_have_text("已完成")
    fill_lists_and_attachments(page, {**PARTNER, "credit_code": credit_code(region="320102")})
    open_section(page, "入驻企业")
    tenant_fills_intake(page.locator("#intake-url").input_value())
    page.get_by_role("link", name="用户中心").click()
    page.get_by_role("link", name="认定申报").click()
    page.get_by_role("link", name="继续填报").click()
    page.get_by_role("link", name="提交", exact=True).click()
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_role("heading", name="提交成功")).to_be_visible()
    return re.search(r"SC\d{4}[0-9A-F]{8}", page.content()).group(0)


def download(page, link_name):
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).first.click()
    return info.value.suggested_filename, Path(info.value.path()).read_bytes()


def test_a_reviewer_downloads_the_printed_form_the_attachments_and_the_tenant_list(page, browser, system):
    seed_demo_batch(system)
    create_reviewer(system)
    reference = submit_declaration(page, system)

    # The enterprise prints the submitted version from 查看.
    page.get_by_role("link", name="用户中心").click()
    page.get_by_role("link", name="认定申报").click()
    page.get_by_role("link", name="查看").first.click()
    name, printed = download(page, "打印申请表")
    assert name == f"{reference}_申请表_第1次提交.pdf" and BASE_NAME in pdf.text(printed)

    county = reviewer_page(browser, system, REVIEWER)
    reload_until(county, "/console/cases", "table.cases tbody", BASE_NAME)
    county.locator("table.cases tbody tr", has_text=BASE_NAME).get_by_role("link", name="审核").click()
    expect(county.get_by_role("heading", name=BASE_NAME)).to_be_visible()
    case_url = county.url
    reload_until(county, case_url, "table.roll", TENANT["basic"]["company_name"])

    name, document = download(county, "打印申请表")
    assert name == f"{reference}_申请表_第1次提交.pdf" and document == printed  # one stored file
    text = pdf.text(document)
    assert BASE_NAME in text and reference in text
    fonts = pdf.fonts(document)
    assert fonts and all(fonts.values()), fonts
    [url] = pdf.qr_codes(document)
    assert url.startswith(system.url + "/verify/")

    name, bundle = download(county, "下载全部附件")
    assert name == f"{reference}_附件_第1次提交.zip"
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        assert sorted(archive.namelist()) == sorted(
            f"{c}/{c}.pdf" for c in ("申请报告", "营业执照或法人证书", "真实性承诺书"))

    name, workbook = download(county, "导出入驻企业名单")
    assert name.endswith("入驻企业名单_第1次提交.xlsx")
    rows = list(load_workbook(io.BytesIO(workbook)).active.iter_rows(values_only=True))
    assert rows[1][2] == TENANT["basic"]["company_name"] and rows[1][3] == TENANT["basic"]["credit_code"]

    # What a phone opens from the QR code on the paper: that version, its state.
    verifier = browser.new_context(locale="zh-CN").new_page()
    verifier.goto(url)
    expect(verifier.get_by_role("heading", name="申请表核验")).to_be_visible()
    expect(verifier.locator(".reference")).to_have_text(reference)
    expect(verifier.locator(".version")).to_have_text("第 1 次提交")
    expect(verifier.locator(".state")).to_have_text("待区县审核")
    assert verifier.locator(".digest code").inner_text() in text.replace("\n", "")
    verifier.context.close()
    county.context.close()
