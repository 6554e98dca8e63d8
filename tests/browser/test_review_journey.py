"""The review journey in a real browser against the whole running system: an
enterprise submits; the county reviewer 通过; the city reviewer 退回 with a
reason; the enterprise sees the reason under 查看, corrects 服务台账, 保存 and
提交; the city reviewer sees what changed and 通过; the province reviewer
records an offline step and 通过; on 公示 it selects the base into a 公示,
which anyone sees from the home page's 认定公示 without login; once the
period has ended it 认定s with the batch's 认定文号 and the case shows the
证书编号; the enterprise's list shows 已认定."""
import re
import subprocess
import sys

from playwright.sync_api import expect

from services.common import clock
from services.common.config import ROOT
from tests.browser.declaring import (
    APPLICATION,
    LEDGER,
    PARTNER,
    PASSWORD,
    add_row,
    fill_form,
    fill_lists_and_attachments,
    open_section,
    tenant_fills_intake,
)
from tests.support import browser as support
from tests.support.browser import seed_demo_batch
from tests.support.identifiers import credit_code, phone_number
from tests.browser.reviewing import act, open_case, period_ends, reload_until, reviewer_page, submit


PHONE = phone_number()
CODE = credit_code(region="320102")
USERNAME = "review_journey_base"
BASE_NAME = "玄武审核示范园"
REVIEWERS = {
    "xw_review": ("county", "320102"),
    "nj_review": ("city", "320100"),
    "js_review": ("province", "320000"),
}


def create_reviewers(system):
    for username, (level, region) in REVIEWERS.items():
        subprocess.run(
            [sys.executable, "-W", "ignore", "-m", "services.accounts.manage", "create-staff",
             "--username", username, "--name", f"{username}审核员", "--kind", "reviewer",
             "--level", level, "--region", region, "--password-stdin"],
            cwd=ROOT, env=system.env, check=True, capture_output=True, input=PASSWORD + "\n", text=True,
        )


def register_and_login(page, system):
    support.register_and_login(page, system, USERNAME, PASSWORD, "南京玄武审核示范园运营有限公司", CODE, "320102", PHONE)


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


def test_county_city_return_resubmit_province_recognition(page, browser, system):
    seed_demo_batch(system)
    create_reviewers(system)
    register_and_login(page, system)
    fill_and_submit(page)

    county = reviewer_page(browser, system, "xw_review")
    open_case(county, BASE_NAME)
    # The declaration itself, read-only, from the declarations service.
    expect(county.locator("#s-application")).to_contain_text("南京市玄武区珠江路1号")
    expect(county.locator("#s-tenants")).to_contain_text("已填报 1 家")
    act(county, "approve", "通过", reason="材料齐全，同意上报")
    expect(county.locator(".case-state")).to_have_text("待设区市审核")

    city = reviewer_page(browser, system, "nj_review")
    open_case(city, BASE_NAME)
    form = city.locator("form[data-action=return]")
    form.get_by_role("button", name="退回", exact=True).click()
    expect(city.locator("#err-reason-return")).to_have_text("请填写退回原因")
    act(city, "return", "退回", reason="服务台账仅一条，请补充", sections=["服务台账"])
    expect(city.locator(".case-state")).to_have_text("已退回")

    # The enterprise sees the reason under 查看, corrects, 保存, 提交.
    reload_until(page, "/center/declarations", "table.declarations tbody tr .state", "已退回")
    page.get_by_role("link", name="查看").first.click()
    expect(page.locator(".returned-notice")).to_contain_text("服务台账仅一条，请补充")
    expect(page.locator(".returned-notice")).to_contain_text("服务台账")
    page.get_by_role("link", name="继续填报").first.click()
    open_section(page, "服务台账")
    add_row(page, "服务台账", {**LEDGER, "served_on": "2025-04-20", "content": "融资路演辅导"})
    submit(page)

    # Back at the city level, with what changed since the returned version.
    open_case(city, BASE_NAME)
    expect(city.locator("#changes")).to_be_visible()
    expect(city.locator("table.changes")).to_contain_text("融资路演辅导")
    act(city, "approve", "通过")

    province = reviewer_page(browser, system, "js_review")
    open_case(province, BASE_NAME)
    notes = province.locator("form.notes-form")
    notes.locator("#note-step").select_option(label="专家评审")
    notes.locator("#note-text").fill("专家评审通过")
    notes.get_by_role("button", name="保存记录").click()
    expect(province.locator("table.notes")).to_contain_text("专家评审通过")
    act(province, "approve", "通过", reason="专家评审通过")
    expect(province.locator(".case-state")).to_have_text("待公示")
    publicize(province, browser, system)
    period_ends(system)
    open_case(province, BASE_NAME)
    form = province.locator("form[data-action=recognise]")
    form.get_by_label("认定文号").fill("苏工信中小〔2026〕88号")
    act(province, "recognise", "认定", reason="同意认定")
    expect(province.locator(".case-state")).to_have_text("已认定")
    expect(province.locator("table.history")).to_contain_text("认定")
    expect(province.locator(".certificate-number")).to_contain_text("苏双创基地〔")

    reload_until(page, "/center/declarations", "table.declarations tbody tr .state", "已认定")
    for reviewer in (county, city, province):
        reviewer.context.close()
    assert re.search(r"已认定", page.locator("table.declarations").inner_text())


def publicize(province, browser, system):
    """公示 in the menu: the base 待公示 selected into a 公示 of today; the
    public 认定公示 page, reached from the home page without login, lists it."""
    province.get_by_role("navigation", name="审核管理菜单").get_by_role("link", name="公示", exact=True).click()
    province.get_by_label(BASE_NAME).check()
    today = clock.beijing_today().isoformat()
    province.get_by_label("公示标题").fill("2026年度双创基地认定公示")
    province.get_by_label("公示开始日期").fill(today)
    province.get_by_label("公示结束日期").fill(today)
    province.get_by_role("button", name="发布公示").click()
    expect(province.locator(".flash")).to_contain_text("已发布公示")

    visitor = browser.new_context(base_url=system.url, locale="zh-CN").new_page()
    visitor.goto("/")
    visitor.get_by_role("link", name="认定公示").click()
    expect(visitor.locator("table.publicity")).to_contain_text(BASE_NAME)
    expect(visitor.locator("table.publicity")).to_contain_text("南京市玄武区")
    visitor.context.close()
