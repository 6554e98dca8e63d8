"""The manual's journey in a real browser against the whole running system:
注册 and 登录 → 用户中心 → 双创基地 → 认定申报 → 开始申报 → 下一步 → each
section filled and saved (申请表 with a red error corrected first) → a tenant
fills its entry by the QR link → 提交 → the list shows 待区县审核 with its time."""
import re

import requests
from playwright.sync_api import expect

from tests.support import browser as support
from tests.support.browser import seed_demo_batch
from tests.support.identifiers import credit_code, phone_number
from tests.support.web import hidden_fields

PASSWORD = "Passw0rd!x"
PHONE = phone_number()
CODE = credit_code(region="320102")


def register_and_login(page, system):
    support.register_and_login(page, system, "xuanwu_base", PASSWORD, "南京玄武创业服务有限公司", CODE, "320102", PHONE)


def fill_form(page, values):
    for key, value in values.items():
        target = page.locator(f"#f-{key}")
        if key == "region_code":
            page.select_option(".region-city", value[:4] + "00")
            page.select_option("#f-region_code", value)
        elif target.evaluate("el => el.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)


APPLICATION = {
    "base_name": "玄武创业园", "legal_representative": "张三", "base_type": "创业园", "founded_on": "2015-06-01",
    "region_code": "320102", "address": "南京市玄武区珠江路1号", "industry": "软件和信息技术服务业",
    "total_area": "12000.50", "own_area": "2000", "leased_area": "10000.50", "investment": "3500",
    "revenue": "1,000", "tenant_count": "1", "small_micro_count": "1", "tenant_employees": "35",
    "service_staff": "2", "mentors": "1", "partner_count": "1", "contact": "李四", "contact_mobile": PHONE,
    "introduction": "基地简介", "cases": "典型服务案例",
}
PEOPLE = [
    {"name": "王五", "title": "主任", "category": "专职服务人员", "education": "大学本科", "phone": "025-83334567", "full_time": "是"},
    {"name": "钱七", "title": "辅导师", "category": "创业辅导师", "education": "硕士研究生", "phone": "13800001111", "full_time": "是"},
]
PARTNER = {"name": "南京某会计师事务所", "credit_code": credit_code(region="320102"), "category": "专业服务",
           "starts_on": "2024-01-01", "ends_on": "2026-12-31", "contact": "赵六", "phone": "13800002222"}
LEDGER = {"served_on": "2025-03-15", "category": "创业辅导", "target": "南京示例科技有限公司", "content": "创业计划书辅导",
          "mode": "线下", "place": "基地会议室", "companies": "1", "participants": "3", "fee_mode": "免费", "fee": "0"}
TENANT = {
    "base": {"move_in_date": "2023-03-01", "leased_area": "120.5"},
    "basic": {"company_name": "南京示例科技有限公司", "credit_code": credit_code(region="320102"),
              "founded_on": "2021-06-18", "size": "小型", "industry": None, "contact_name": "王芳",
              "contact_mobile": "13912345678"},
    "operations": {"employees": "35", "revenue": "1234.50", "tax": "56.7", "rd_expense": "80", "patents": "3",
                   "software_copyrights": "5", "financing": "0", "qualifications": "专精特新"},
}


def tenant_fills_intake(url):
    """A tenant on its phone: the intake pages by plain HTTP (their own tests
    drive them in a browser)."""
    from services.tenants import steps

    TENANT["basic"]["industry"] = steps.INDUSTRIES[8]
    phone = requests.Session()
    phone.headers["User-Agent"] = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.47"
    opened = phone.get(url, timeout=15)  # the short link goes on to the intake pages
    assert opened.status_code == 200
    url = opened.url
    for step in ("base", "basic", "operations"):
        step_url = f"{url}/step/{step}"
        form = hidden_fields(phone.get(step_url, timeout=15).text)
        response = phone.post(step_url, data={**form, **TENANT[step]}, timeout=15, allow_redirects=False)
        assert response.status_code == 302, response.text
    summary = phone.get(f"{url}/summary", timeout=15).text
    done = phone.post(f"{url}/submit", data=hidden_fields(summary), timeout=15)
    assert "提交成功" in done.text


def add_row(page, section_label, values):
    page.get_by_role("link", name="添加").click()
    fill_form(page, values)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name=section_label)).to_be_visible()


def open_section(page, label):
    page.locator("table.task-list").get_by_role("link", name=label, exact=True).click()


def back_to_main(page):
    page.get_by_role("link", name="← 返回数据填报").click()


def fill_lists_and_attachments(page, partner=None):
    """主要人员, 合作服务机构 and 服务台账 one row or two each, and the required
    附件, from the main data page back to it."""
    open_section(page, "主要人员")
    for person in PEOPLE:
        add_row(page, "主要人员", person)
    back_to_main(page)
    open_section(page, "合作服务机构")
    add_row(page, "合作服务机构", partner or PARTNER)
    back_to_main(page)
    open_section(page, "服务台账")
    add_row(page, "服务台账", LEDGER)
    back_to_main(page)
    open_section(page, "附件")
    for category in ("申请报告", "营业执照或法人证书", "真实性承诺书"):
        page.select_option("#f-category", category)
        page.set_input_files("#f-file", files=[{"name": f"{category}.pdf", "mimeType": "application/pdf",
                                                 "buffer": b"%PDF-1.4 " + category.encode()}])
        page.get_by_role("button", name="上传").click()
        expect(page.get_by_role("link", name=f"{category}.pdf")).to_be_visible()
    back_to_main(page)


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
