"""The small controls that lost their inline handlers to the strict
Content-Security-Policy still work, and the API docs run under it: a help
icon shows its help text, 删除 asks first (cancel keeps the row, OK removes
it), the API 文档 linked from 用户中心 shows every operation and answers
Try it out. Any policy violation fails the test (conftest.py)."""
from playwright.sync_api import expect

from tests.browser.applicant import open_section, start_declaration
from tests.browser.declaring import PEOPLE, add_row, back_to_main


def test_help_icons_and_confirmations_work_under_the_policy(page, system):
    start_declaration(page, system, "controls_a")
    open_section(page, "申请表")
    icon = page.locator("button.help-icon[aria-controls]").first
    help_text = page.locator("#" + icon.get_attribute("aria-controls"))
    expect(help_text).to_be_hidden()
    icon.click()
    expect(help_text).to_be_visible()
    icon.click()
    expect(help_text).to_be_hidden()
    back_to_main(page)

    open_section(page, "主要人员")
    add_row(page, "主要人员", PEOPLE[0])
    row = page.locator("table.rows tbody tr")
    expect(row).to_have_count(1)
    questions = []

    def answer(accept):
        def handle(dialog):
            questions.append((dialog.type, dialog.message))
            dialog.accept() if accept else dialog.dismiss()
        return handle

    page.once("dialog", answer(False))
    row.get_by_role("button", name="删除").click()
    expect(page.locator("table.rows tbody tr")).to_have_count(1)  # 取消: the row stays
    page.once("dialog", answer(True))
    row.get_by_role("button", name="删除").click()
    expect(page.get_by_text("尚未填写，请点击“添加”。")).to_be_visible()
    assert questions == [("confirm", "确定删除这一条吗？")] * 2


def test_the_api_docs_run_under_the_policy(page, system):
    start_declaration(page, system, "controls_b")
    page.locator("header").get_by_role("link", name="用户中心").click()
    page.locator("nav.center-menu").get_by_role("link", name="API 令牌").click()
    page.get_by_role("link", name="API 文档").click()
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("API", timeout=15_000)  # the whole bundle
    expect(page.get_by_role("link", name="/states", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="/declarations/{declaration_id}", exact=True)).to_be_visible()
    # 本企业的申报, asked with the page's own session: the declaration just started
    mine = page.locator("#operations-default-listDeclarations")
    mine.locator(".opblock-summary").click()
    mine.get_by_role("button", name="Try it out").click()
    mine.get_by_role("button", name="Execute").click()
    answer = mine.locator(".live-responses-table tbody tr.response")
    expect(answer.locator(".response-col_status")).to_have_text("200")
    expect(answer.locator(".response-col_description")).to_contain_text("state_label")
