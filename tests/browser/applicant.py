"""An applicant who registered and started a declaration, and a section opened."""
from playwright.sync_api import expect

from tests.support import browser as support
from tests.support.browser import seed_demo_batch
from tests.support.identifiers import credit_code, phone_number


PASSWORD = "Passw0rd!x"


def start_declaration(page, system, username):
    seed_demo_batch(system)
    support.register_and_login(page, system, username, PASSWORD, "南京新手创业服务有限公司",
                               credit_code(region="320102"), "320102", phone_number())
    page.get_by_role("link", name="认定申报").click()
    page.get_by_role("link", name="开始申报").click()
    page.check("#f-accept")
    page.get_by_role("button", name="下一步").click()
    expect(page.get_by_role("heading", name="数据填报")).to_be_visible()


def open_section(page, label):
    page.locator("table.task-list").get_by_role("link", name=label, exact=True).click()
