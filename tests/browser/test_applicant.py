"""The applicant's side as a newcomer walks it in a real browser, clicking
from the home page: 提交 on an empty declaration names every missing field and
lands on it; nothing typed and unsaved looks saved; 基本情况 holds 注册地区;
入驻企业 shows x / y against the 申请表; the check-answers page has 修改 per
section; attachments are size-checked before sending and show their progress."""
import re

from playwright.sync_api import expect

from tests.browser.applicant import open_section, start_declaration


def unsaved_required_labels(page):
    """The labels of the 申请表's required fields that are empty or marked 未保存
    (prefilled from the registration), as the page shows them."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('.field')).filter(f =>
        f.querySelector('.required') && (!f.querySelector('[name]').value || f.querySelector('.unsaved-mark'))
        ).map(f => f.querySelector('label').firstChild.textContent.trim())""")


def test_submit_on_an_empty_declaration_names_every_missing_field_and_lands_on_it(page, system):
    start_declaration(page, system, "newcomer_a")

    # FAQ 2.7: the 申请表's first part is 基本情况, and it holds 注册地区
    open_section(page, "申请表")
    first = page.locator("fieldset.field-group").first
    expect(first.locator("legend")).to_have_text("基本情况")
    expect(first.locator("#f-region_code")).to_have_count(1)
    # what the registration prefilled is shown as not saved yet
    expect(page.locator(".prefilled-notice").get_by_role("heading", name="以下内容尚未保存")).to_be_visible()
    expect(page.locator('.field[data-field="operator_name"] .unsaved-mark')).to_have_text("未保存")
    missing = unsaved_required_labels(page)
    assert len(missing) == 24 and "基地名称" in missing and "运营主体" in missing
    page.get_by_role("link", name="← 返回数据填报").click()

    page.get_by_role("link", name="提交", exact=True).click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    application = summary.locator("ul").first
    shown = [re.sub(r"\s+", "", t) for t in application.locator("li a").all_inner_texts()]
    assert shown == [f"{label}：此项为必填项" for label in missing]
    expect(summary.get_by_role("heading", name=f"申请表（{len(missing)} 项）")).to_be_visible()
    expect(summary.locator(".problem-group").first).to_have_text("基本情况")
    expect(summary.get_by_role("link", name="请至少填写一条主要人员")).to_be_visible()
    expect(summary.get_by_role("link", name="请上传“申请报告”")).to_be_visible()

    # each link lands on its field
    summary.get_by_role("link", name="基地名称：此项为必填项").click()
    expect(page.locator("#f-base_name")).to_be_focused()


def test_values_typed_and_not_saved_are_marked_and_hold_submit(page, system):
    start_declaration(page, system, "newcomer_b")
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)

    open_section(page, "申请表")
    page.locator("#f-base_name").fill("秦淮创客空间")
    # leaving with unsaved changes asks first
    page.get_by_role("link", name="← 返回数据填报").click()
    expect(page.get_by_role("heading", name="数据填报")).to_be_visible()
    assert dialogs == ["beforeunload"]

    # 提交 refuses while 申请表 has unsaved values on this browser, and says which
    page.get_by_role("link", name="提交", exact=True).click()
    guard = page.locator(".unsaved-guard")
    expect(guard).to_be_visible()
    expect(guard.locator(".unsaved-sections")).to_have_text("申请表")
    expect(guard).to_be_focused()
    expect(page.get_by_role("heading", name="数据填报")).to_be_visible()

    # reopened (from the guard's link): the banner and a mark on the field say it is not saved;
    # 放弃 restores the saved value
    guard.get_by_role("link", name="申请表").click()
    banner = page.locator("#unsaved-banner")
    expect(banner.get_by_role("heading", name="以下内容尚未保存")).to_be_visible()
    expect(page.locator("#f-base_name")).to_have_value("秦淮创客空间")
    expect(page.locator('.field[data-field="base_name"] .unsaved-mark')).to_have_text("未保存")
    banner.get_by_role("button", name="放弃").click()
    expect(page.locator("#f-base_name")).to_have_value("")
    expect(banner).to_be_hidden()

    # a value 保存 refused comes back marked, never silently
    page.locator("#f-base_name").fill("秦淮创客空间")
    page.locator("#f-revenue").fill("1,000.00")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("#err-revenue")).to_be_visible()
    page.get_by_role("link", name="← 返回数据填报").click()
    expect(page.get_by_role("heading", name="数据填报")).to_be_visible()
    open_section(page, "申请表")
    expect(page.locator("#f-revenue")).to_have_value("1,000.00")
    expect(page.locator('.field[data-field="revenue"] .unsaved-mark')).to_be_visible()

    # the banner's 保存: corrected, saved, and 提交 is free again
    page.locator("#f-revenue").fill("1000.00")
    page.locator("#f-tenant_count").fill("2")
    page.locator("#unsaved-banner").get_by_role("button", name="保存").click()
    expect(page.locator("tr[data-section=application] .section-state")).to_have_text("填写中")

    # 6: 入驻企业 against the 申请表's 入驻企业数, flagged before 提交
    expect(page.locator("tr[data-section=tenants] .section-progress")).to_have_text("0 / 2 家已填报")
    expect(page.locator(".tenant-mismatch")).to_contain_text("申请表中的入驻企业数为 2 家")
    open_section(page, "入驻企业")
    expect(page.locator("#tenants-against-application")).to_contain_text("已填报 0 / 2 家")
    page.get_by_role("link", name="← 返回数据填报").click()

    page.get_by_role("link", name="提交", exact=True).click()
    expect(page.get_by_role("heading", name="提交", exact=True)).to_be_visible()
    expect(page.locator(".unsaved-guard")).to_be_hidden()
    expect(page.locator("#error-summary")).to_contain_text("入驻企业数：填写为2")


def test_attachment_upload_checks_the_size_first_and_shows_progress(page, system):
    start_declaration(page, system, "newcomer_c")
    open_section(page, "附件")
    limit = int(page.locator("form[data-upload]").get_attribute("data-max-mb"))

    # too large: refused in the browser before sending, with the limit
    requests = []
    page.on("request", lambda r: requests.append(r) if r.method == "POST" else None)
    page.set_input_files("#f-file", files=[{"name": "审计报告.pdf", "mimeType": "application/pdf",
                                            "buffer": b"%PDF-1.4 " + b"0" * (limit * 1024 * 1024 + 1)}])
    expect(page.locator("#upload-status")).to_contain_text(f"超过{limit}MB的上限")
    page.get_by_role("button", name="上传").click()
    expect(page.locator("#upload-status")).to_contain_text(f"超过{limit}MB的上限")
    assert requests == []

    # within the limit: the progress bar shows while it is sent, then the list has it
    page.select_option("#f-category", "申请报告")
    page.set_input_files("#f-file", files=[{"name": "申请报告.pdf", "mimeType": "application/pdf",
                                            "buffer": b"%PDF-1.4 " + b"1" * 300_000}])
    page.evaluate("""() => document.querySelector('form[data-upload]').addEventListener('submit', () => {
        const bar = document.querySelector('progress.upload-progress');
        sessionStorage.setItem('seen-progress', String(!bar.hidden));
    })""")
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_role("link", name="申请报告.pdf")).to_be_visible()
    expect(page.get_by_text("附件已上传")).to_be_visible()
    assert page.evaluate("() => sessionStorage.getItem('seen-progress')") == "true"


def test_importing_the_ledger_twice_asks_append_or_replace_and_never_duplicates(page, system, tmp_path):
    start_declaration(page, system, "newcomer_d")
    open_section(page, "服务台账")
    with page.expect_download() as download:
        page.get_by_role("link", name="服务台账导入模板（.xlsx）").click()
    template = tmp_path / "服务台账.xlsx"
    download.value.save_as(template)

    def import_file():
        page.set_input_files('input[name="file"]', str(template))
        page.get_by_role("button", name="导入").click()

    import_file()  # an empty ledger: nothing to ask
    expect(page.get_by_text("已导入1条服务台账")).to_be_visible()
    expect(page.locator("table.rows tbody tr")).to_have_count(1)

    import_file()  # again: replace or append?
    expect(page.locator("#error-summary")).to_contain_text("追加到现有台账")
    expect(page.locator("table.rows tbody tr")).to_have_count(1)

    page.get_by_label("追加到现有台账").check()
    import_file()
    expect(page.get_by_text("另有1条与已有记录完全相同，未重复导入")).to_be_visible()
    expect(page.locator("table.rows tbody tr")).to_have_count(1)

    page.get_by_label("替换现有台账").check()
    import_file()
    expect(page.get_by_text("原有的1条已被替换")).to_be_visible()
    expect(page.locator("table.rows tbody tr")).to_have_count(1)
