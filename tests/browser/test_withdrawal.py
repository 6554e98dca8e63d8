"""撤回 in a real browser against the whole running system: an enterprise
submits its declaration, withdraws it on 查看 (撤回 → 确认撤回) while nobody
at the county has acted, sees 已撤回 with its deadline, adds a row of
服务台账 and submits again; the list and the history follow each state."""
from playwright.sync_api import expect

from tests.browser.declaring import (
    APPLICATION, LEDGER, PARTNER, add_row, back_to_main, fill_form, fill_lists_and_attachments, open_section,
    tenant_fills_intake,
)
from tests.support import browser as support
from tests.support.browser import seed_demo_batch
from tests.support.identifiers import credit_code, phone_number

PASSWORD = "Passw0rd!w"
PHONE = phone_number()
CODE = credit_code(region="320102")


def reload_until_visible(page, locator, tries=30):
    """Review learns of a submission by an event: reload 查看 until the
    撤回 button it allows is there."""
    for _ in range(tries):
        if locator.count():
            return
        page.wait_for_timeout(500)
        page.reload()
    expect(locator).to_be_visible()


def submit_from_main(page):
    page.get_by_role("link", name="提交", exact=True).click()
    expect(page.get_by_role("heading", name="请核对申报内容")).to_be_visible()
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_role("heading", name="提交成功")).to_be_visible()


def test_withdraw_edit_and_submit_again(page, system):
    seed_demo_batch(system)
    support.register_and_login(page, system, "withdraw_base", PASSWORD, "南京撤回测试创业服务有限公司", CODE,
                               "320102", PHONE)
    page.get_by_role("link", name="认定申报").click()
    page.get_by_role("link", name="开始申报").click()
    page.check("#f-accept")
    page.get_by_role("button", name="下一步").click()
    expect(page.get_by_role("heading", name="数据填报")).to_be_visible()
    expect(page.locator(".deadline-notice")).to_contain_text("截止时间")
    expect(page.locator(".time-left")).not_to_be_empty()
    open_section(page, "申请表")
    fill_form(page, {**APPLICATION, "revenue": "1000", "contact_mobile": PHONE})
    page.get_by_role("button", name="保存").click()
    fill_lists_and_attachments(page, partner={**PARTNER, "credit_code": credit_code(region="320102")})
    open_section(page, "入驻企业")
    tenant_fills_intake(page.locator("#intake-url").input_value())
    page.get_by_role("link", name="← 返回数据填报").click()
    submit_from_main(page)

    page.get_by_role("link", name="返回认定申报").click()
    row = page.locator("table.declarations tbody tr").first
    expect(row.locator(".state")).to_have_text("待区县审核")
    row.get_by_role("link", name="查看").click()
    withdraw = page.get_by_role("link", name="撤回", exact=True)
    reload_until_visible(page, withdraw)
    withdraw.click()
    expect(page.get_by_role("heading", name="撤回申报")).to_be_visible()
    expect(page.get_by_text("确定要撤回这份申报吗？")).to_be_visible()
    page.get_by_role("button", name="确认撤回").click()
    expect(page.get_by_text("申报已撤回，您可以修改后再次提交。")).to_be_visible()
    expect(page.locator("strong.state")).to_have_text("已撤回")
    expect(page.locator(".history")).to_contain_text("已撤回")
    expect(page.get_by_role("link", name="撤回", exact=True)).to_have_count(0)

    page.get_by_role("link", name="继续填报").click()
    expect(page.get_by_text("申报已撤回，请修改后保存，再点击“提交”")).to_be_visible()
    expect(page.locator(".deadline-notice")).to_contain_text("补正截止")
    open_section(page, "服务台账")
    add_row(page, "服务台账", {**LEDGER, "served_on": "2025-04-20", "content": "融资对接会"})
    back_to_main(page)
    submit_from_main(page)

    page.get_by_role("link", name="返回认定申报").click()
    row = page.locator("table.declarations tbody tr").first
    expect(row.locator(".state")).to_have_text("待区县审核")
    row.get_by_role("link", name="查看").click()
    history = page.locator(".history tbody tr td:nth-child(2)")
    expect(history).to_have_text(["填报中", "待区县审核", "已撤回", "待区县审核"])
