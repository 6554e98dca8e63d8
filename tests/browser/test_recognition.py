"""公示 and 认定 as the enterprise sees them, in a real browser against the
whole running system: a declaration passed by the county, the city and the
province waits 待公示; the province puts it in a 公示 on the console's 公示
page; the public 认定公示 page, linked from the home page, lists it and the
enterprise sees 公示中 with the period; once the period has ended the
province 认定s it with the batch's 文号, and the enterprise sees 文号, 证书编号
and 有效期 on its list and 查看 and prints the 认定证书. Then an admin opens a
复核 batch, and the enterprise's 开始申报 there starts from the recognised
declaration, each section marked as carried over until it is saved."""
import datetime as dt
import re
import subprocess
import sys

from playwright.sync_api import expect
from sqlalchemy import text

from services.common import clock
from services.common import contracts as c
from services.common.config import ROOT
from services.common.db import make_engine
from tests.browser.declaring import (
    APPLICATION, PARTNER, PASSWORD, fill_form, fill_lists_and_attachments, open_section, tenant_fills_intake,
)
from tests.browser.reviewing import act, open_case, period_ends, reload_until, reviewer_page, submit
from tests.browser.walkthrough import printed
from tests.support import browser as support
from tests.support.browser import seed_demo_batch
from tests.support.identifiers import credit_code, phone_number

PHONE = phone_number()
CODE = credit_code(region="320102")
BASE_NAME = "玄武认定示范园"
DOCUMENT_NUMBER = "苏工信中小〔2026〕99号"
REVIEWERS = {"xw_recognition": ("county", "320102"), "nj_recognition": ("city", "320100"),
             "js_recognition": ("province", "320000")}


def create_reviewers(system):
    for username, (level, region) in REVIEWERS.items():
        subprocess.run(
            [sys.executable, "-W", "ignore", "-m", "services.accounts.manage", "create-staff",
             "--username", username, "--name", f"{username}审核员", "--kind", "reviewer",
             "--level", level, "--region", region, "--password-stdin"],
            cwd=ROOT, env=system.env, check=True, capture_output=True, input=PASSWORD + "\n", text=True,
        )


def fill_and_submit(page):
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
    submit(page)


def passed_up_to_the_province(browser, system):
    for username in REVIEWERS:
        reviewer = reviewer_page(browser, system, username)
        open_case(reviewer, BASE_NAME)
        act(reviewer, "approve", "通过", reason="同意")
        if username != "js_recognition":
            reviewer.context.close()
    expect(reviewer.locator(".case-state")).to_have_text("待公示")
    return reviewer


def publicize(province, browser, system):
    province.get_by_role("navigation", name="审核管理菜单").get_by_role("link", name="公示", exact=True).click()
    province.get_by_label(BASE_NAME).check()
    today = clock.beijing_today().isoformat()
    province.get_by_label("公示标题").fill("双创基地认定公示（第二批）")
    province.get_by_label("公示开始日期").fill(today)
    province.get_by_label("公示结束日期").fill(today)
    province.get_by_role("button", name="发布公示").click()
    expect(province.locator(".flash")).to_contain_text("已发布公示")
    visitor = browser.new_context(base_url=system.url, locale="zh-CN").new_page()
    visitor.goto("/")
    visitor.get_by_role("link", name="认定公示").click()
    expect(visitor.locator("table.publicity")).to_contain_text(BASE_NAME)
    visitor.context.close()
    return today


def recognise(province):
    open_case(province, BASE_NAME)
    form = province.locator("form[data-action=recognise]")
    form.get_by_label("认定文号").fill(DOCUMENT_NUMBER)
    act(province, "recognise", "认定", reason="同意认定")
    expect(province.locator(".case-state")).to_have_text("已认定")
    return province.locator(".certificate-number").inner_text().strip()


def open_recheck_batch(page, system):
    """An admin creates a batch of kind 复核 under 申报批次 in the console."""
    info = printed(system)
    username, password = info["staff"]["平台管理员"]
    admin = page.context.browser.new_context(base_url=system.url, locale="zh-CN").new_page()
    admin.goto(info["console"])
    admin.fill("#f-username", username)
    admin.fill("#f-password", password)
    admin.get_by_role("button", name="登录").click()
    admin.get_by_role("navigation", name="审核管理菜单").get_by_role("link", name="申报批次").click()
    admin.get_by_role("link", name="新建批次").click()
    today = clock.beijing_today()
    admin.fill("#f-name", "2029年度双创基地复核")
    admin.fill("#f-year", str(today.year))
    admin.select_option("#f-kind", "复核")
    admin.fill("#f-opens_on", (today - dt.timedelta(days=1)).isoformat())
    admin.fill("#f-closes_on", (today + dt.timedelta(days=30)).isoformat())
    admin.fill("#f-resubmit_until", (today + dt.timedelta(days=60)).isoformat())
    admin.select_option("#f-thresholds_block", "仅提示")
    admin.fill("#f-max_attachment_mb", "20")
    admin.get_by_role("button", name="保存").click()
    expect(admin.locator(".flash")).to_be_visible()
    admin.context.close()


def close_recheck_batch(system):
    """Other journeys of this running system see one open batch."""
    engine = make_engine(c.DECLARATIONS, system.env)
    with engine.begin() as conn:
        conn.execute(text("UPDATE batches SET opens_at = now() - interval '2 days', "
                          "closes_at = now() - interval '1 day' WHERE kind = '复核'"))
    engine.dispose()


def test_publicity_recognition_and_a_recheck_that_starts_prefilled(page, browser, system):
    seed_demo_batch(system)
    create_reviewers(system)
    support.register_and_login(page, system, "recognition_base", PASSWORD, "南京玄武认定示范园运营有限公司",
                               CODE, "320102", PHONE)
    fill_and_submit(page)
    province = passed_up_to_the_province(browser, system)
    today = publicize(province, browser, system)
    reload_until(page, "/center/declarations", "table.declarations tbody tr .state", "公示中")
    expect(page.locator("table.declarations .publicity-period")).to_contain_text(f"公示期 {today} 至 {today}")

    period_ends(system)
    certificate = recognise(province)
    assert re.fullmatch(r"苏双创基地〔\d{4}〕\d{4}", certificate)
    province.context.close()

    reload_until(page, "/center/declarations", "table.declarations tbody tr .state", "已认定")
    listed = page.locator("table.declarations .recognition")
    expect(listed).to_contain_text(certificate)
    expect(listed).to_contain_text(DOCUMENT_NUMBER)
    page.get_by_role("link", name="查看").first.click()
    facts = page.locator("section.recognition")
    expect(facts.locator(".certificate-number")).to_have_text(certificate)
    expect(facts.locator(".document-number")).to_have_text(DOCUMENT_NUMBER)
    expect(facts.locator(".validity")).to_contain_text(clock.beijing_today().isoformat() + " 至 ")
    with page.expect_download() as download:
        facts.get_by_role("link", name="打印认定证书").click()
    assert download.value.suggested_filename.endswith("_认定证书.pdf")

    open_recheck_batch(page, system)
    try:
        page.get_by_role("link", name="认定申报", exact=True).click()
        page.get_by_role("link", name="开始申报").click()
        page.check("#f-accept")
        page.get_by_role("button", name="下一步").click()
        expect(page.locator("tr[data-section=personnel] .section-state")).to_have_text("已带入，待核对")
        open_section(page, "申请表")
        expect(page.locator(".carried-notice")).to_contain_text("已从上次申报带入，请核对后保存")
        expect(page.locator("#f-base_name")).to_have_value(BASE_NAME)
        page.get_by_role("button", name="保存").click()
        page.get_by_role("link", name="认定申报", exact=True).click()
        page.get_by_role("link", name="继续填报").first.click()
        expect(page.locator("tr[data-section=application] .section-state")).to_have_text("已完成")
        expect(page.locator("tr[data-section=partners] .section-state")).to_have_text("已带入，待核对")
        expect(page.locator(".carried-notice")).to_contain_text("合作服务机构")
        expect(page.locator(".carried-notice")).not_to_contain_text("申请表")
    finally:
        close_recheck_batch(system)
