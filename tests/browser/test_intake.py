"""A tenant's journey in a phone browser (WeChat's user agent, phone-sized
viewport, touch) against the whole running system: the enterprise's 入驻企业
section shows the QR link → the tenant opens it → 所属基地信息 → 基本信息 (the
page reloaded midway) → 运营数据 → summary → 确认提交, whose full check sends
the tenant back to the failing step → corrected → 确认提交 → success, and the
entry appears in the enterprise's list."""
from playwright.sync_api import expect

from tests.support.browser import register_and_login, seed_demo_batch
from tests.support.identifiers import credit_code, phone_number
from tests.browser.wechat import WECHAT_IPHONE  # noqa: F401


USERNAME = "intake_base"
PASSWORD = "Passw0rd!y"
PHONE = phone_number()
BASE_NAME = "鼓楼科创园"
TENANT_CODE = credit_code(region="320106")


def enterprise_with_a_declaration(page, system):
    """Register and log in an enterprise, start a declaration in the demo
    batch and save the 基地名称 of its 申请表."""
    seed_demo_batch(system)
    register_and_login(
        page, system, USERNAME, PASSWORD, "南京鼓楼科创服务有限公司", credit_code(region="320106"), "320106", PHONE,
        contact="周八",
    )
    page.get_by_role("link", name="认定申报").click()
    page.get_by_role("link", name="开始申报").click()
    page.check("#f-accept")
    page.get_by_role("button", name="下一步").click()
    page.locator("table.task-list").get_by_role("link", name="申请表", exact=True).click()
    page.fill("#f-base_name", BASE_NAME)
    page.locator("form[data-keep]").get_by_role("button", name="保存").click()  # back on the main data page
    page.locator("table.task-list").get_by_role("link", name="入驻企业", exact=True).click()


def test_a_tenant_fills_its_entry_on_a_phone_and_the_enterprise_sees_it(page, browser, system):
    enterprise_with_a_declaration(page, system)
    expect(page.get_by_role("heading", name="入驻企业填报二维码")).to_be_visible()
    expect(page.get_by_alt_text("入驻企业填报二维码")).to_be_visible()
    url = page.locator("#intake-url").input_value()
    assert "/q/" in url  # the short link the QR code encodes

    phone = browser.new_context(
        base_url=system.url, locale="zh-CN", user_agent=WECHAT_IPHONE,
        viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True,
    )
    try:
        tenant = phone.new_page()
        tenant.set_default_timeout(15_000)
        tenant.goto(url)
        expect(tenant.get_by_text(BASE_NAME).first).to_be_visible()
        tenant.get_by_role("link", name="开始填写").click()

        # 所属基地信息: the base is shown and fixed; a required field left empty is marked at once.
        expect(tenant.get_by_role("heading", name="所属基地信息")).to_be_visible()
        expect(tenant.locator("#base-name")).to_have_text(BASE_NAME)
        tenant.fill("#f-leased_area", "1,200")
        tenant.get_by_role("button", name="下一步").tap()
        expect(tenant.locator("#err-move_in_date")).to_have_text("此项为必填项")
        tenant.fill("#f-move_in_date", "2023-03-01")
        box = tenant.get_by_role("button", name="下一步").bounding_box()
        assert box["height"] >= 44  # a thumb-sized target
        tenant.locator('button.help-icon[aria-controls="help-leased_area"]').tap()
        expect(tenant.locator("#help-leased_area")).to_be_visible()
        tenant.get_by_role("button", name="下一步").tap()

        expect(tenant.get_by_role("heading", name="基本信息")).to_be_visible()
        tenant.fill("#f-company_name", "南京手机填报科技有限公司")
        tenant.fill("#f-credit_code", TENANT_CODE)
        tenant.fill("#f-founded_on", "2021-06-18")
        tenant.select_option("#f-size", "微型")
        tenant.select_option("#f-industry", index=9)
        tenant.fill("#f-contact_name", "王芳")
        tenant.fill("#f-contact_mobile", "13912345678")
        # The phone reloads the page midway: nothing typed is lost, the same step is open.
        tenant.reload()
        expect(tenant.get_by_role("heading", name="基本信息")).to_be_visible()
        expect(tenant.locator("#f-credit_code")).to_have_value(TENANT_CODE)
        expect(tenant.locator("#f-size")).to_have_value("微型")
        tenant.locator("#part-basic").get_by_role("button", name="下一步").tap()

        expect(tenant.get_by_role("heading", name="运营数据")).to_be_visible()
        for key, value in (("employees", "18"), ("revenue", "456.78"), ("tax", "12"), ("rd_expense", "30"),
                           ("patents", "2"), ("software_copyrights", "4"), ("financing", "0")):
            tenant.fill(f"#f-{key}", value)
        tenant.get_by_label("科技型中小企业").check()
        tenant.locator("#part-operations").get_by_role("button", name="下一步").tap()

        expect(tenant.get_by_role("heading", name="请核对填写内容")).to_be_visible()
        expect(tenant.get_by_text(TENANT_CODE)).to_be_visible()
        expect(tenant.get_by_text("456.78 万元")).to_be_visible()
        tenant.get_by_role("button", name="确认提交").tap()

        # The full check at 确认提交 finds the comma: the failing step opens with a red message.
        expect(tenant.get_by_role("heading", name="所属基地信息", exact=True)).to_be_visible()
        expect(tenant.locator("#error-summary")).to_contain_text("请先完成“所属基地信息”")
        expect(tenant.locator("#error-summary")).to_contain_text("租用面积：")  # the summary names the field
        expect(tenant.locator("#err-leased_area")).to_contain_text("不要使用逗号")
        expect(tenant.locator("#f-leased_area")).to_have_value("1,200")
        tenant.fill("#f-leased_area", "1200")
        for step in ("base", "basic", "operations"):
            tenant.locator(f"#part-{step}").get_by_role("button", name="下一步").tap()
        expect(tenant.get_by_role("heading", name="请核对填写内容")).to_be_visible()
        expect(tenant.get_by_text("1200 ㎡")).to_be_visible()
        tenant.get_by_role("button", name="确认提交").tap()
        expect(tenant.get_by_role("heading", name="提交成功")).to_be_visible()
        assert tenant.locator("#reference").inner_text().startswith("RZ")
    finally:
        phone.close()

    page.reload()
    row = page.locator("table.entries tbody tr").filter(has_text=TENANT_CODE)
    expect(row).to_contain_text("南京手机填报科技有限公司")
    expect(row).to_contain_text("微型")
    expect(row).to_contain_text("已提交")
    expect(page.locator("#total-count")).to_have_text("1")
    expect(page.locator("#total-small-micro")).to_have_text("1")
