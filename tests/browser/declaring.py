"""Filling a declaration in the browser: the test data of every section, the
forms and lists, and a tenant filling the intake."""
import requests
from playwright.sync_api import expect

from tests.support.identifiers import credit_code, phone_number
from tests.support.web import hidden_fields


PASSWORD = "Passw0rd!x"

PHONE = phone_number()


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
