"""The manual's journey in a real browser against the whole running system:
注册 and 登录 → 用户中心 → 双创基地 → 认定申报 → 开始申报 → 下一步 → each
section filled and saved (申请表 with a red error corrected first) → a tenant
fills its entry by the QR link → 提交 → the list shows 待区县审核 with its time."""
import re

from playwright.sync_api import expect

from tests.support import browser as support
from tests.support.browser import seed_demo_batch
from tests.support.identifiers import credit_code
from tests.browser.declaring import (
    APPLICATION, PASSWORD, PHONE, back_to_main, fill_form, fill_lists_and_attachments, open_section,
    tenant_fills_intake,
)


CODE = credit_code(region="320102")


def register_and_login(page, system):
    support.register_and_login(page, system, "xuanwu_base", PASSWORD, "南京玄武创业服务有限公司", CODE, "320102", PHONE)


def test_declaration_from_start_to_submitted(page, system):
    seed_demo_batch(system)
    register_and_login(page, system)

    page.get_by_role("link", name="认定申报").click()
    page.get_by_role("link", name="开始申报").click()
    expect(page.get_by_role("heading", name="真实性承诺")).to_be_visible()
    page.check("#f-accept")
    page.get_by_role("button", name="下一步").click()
    expect(page.get_by_role("heading", name="数据填报")).to_be_visible()

    # 申请表: a red message for the amount with a comma, corrected, then saved
    page.clock.install()
    open_section(page, "申请表")
    # long forms: what was typed survives a reload; the idle warning offers to stay signed in
    page.locator("#f-address").fill("南京市玄武区珠江路1号")
    page.once("dialog", lambda dialog: dialog.accept())  # leaving with unsaved changes asks first
    page.reload()
    expect(page.locator("#f-address")).to_have_value("南京市玄武区珠江路1号")
    expect(page.locator("#unsaved-banner")).to_be_visible()  # kept, and marked as not saved
    expect(page.locator("#idle-warning")).to_be_hidden()
    page.clock.fast_forward("28:30")
    expect(page.locator("#idle-warning")).to_be_visible()
    page.get_by_role("button", name="继续登录").click()
    expect(page.locator("#idle-warning")).to_be_hidden()
    fill_form(page, APPLICATION)
    page.locator("form[data-keep]").get_by_role("button", name="保存").click()
    expect(page.locator("#err-revenue")).to_have_text("金额请填写数字，最多两位小数，不要使用逗号")
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#f-revenue")).to_have_value("1,000")
    expect(page.locator("#f-base_name")).to_have_value("玄武创业园")
    page.locator("#f-revenue").fill("1000")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("tr[data-section=application] .section-state")).to_have_text("已完成")

    fill_lists_and_attachments(page)

    # 入驻企业: the section shows the QR link; a tenant fills its entry
    open_section(page, "入驻企业")
    url = page.locator("#intake-url").input_value()
    tenant_fills_intake(url)
    page.goto(page.url)
    expect(page.get_by_text("南京示例科技有限公司").first).to_be_visible()

    page.goto("/center/declarations")
    page.get_by_role("link", name="继续填报").click()
    for key in ("application", "personnel", "partners", "ledger", "attachments", "tenants"):
        expect(page.locator(f"tr[data-section={key}] .section-state")).to_have_text("已完成")
    page.get_by_role("link", name="提交", exact=True).click()
    expect(page.get_by_role("heading", name="请核对申报内容")).to_be_visible()
    # check-answers: 修改 per section, each to its section
    for label in ("申请表", "主要人员", "合作服务机构", "服务台账", "附件"):
        expect(page.get_by_role("link", name=f"修改{label}", exact=True)).to_be_visible()
    page.get_by_role("link", name="修改合作服务机构", exact=True).click()
    expect(page.get_by_role("heading", name="合作服务机构", exact=True)).to_be_visible()
    back_to_main(page)
    page.get_by_role("link", name="提交", exact=True).click()
    expect(page.get_by_role("heading", name="请核对申报内容")).to_be_visible()
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_role("heading", name="提交成功")).to_be_visible()
    reference = page.locator(".reference").inner_text()
    assert reference.startswith("SC")

    page.get_by_role("link", name="返回认定申报").click()
    row = page.locator("table.declarations tbody tr").first
    expect(row.locator(".state")).to_have_text("待区县审核")
    expect(row.locator(".time")).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"))
    expect(row.get_by_role("link", name="继续填报")).to_have_count(0)
