"""A reviewer's page in the console and waiting for a page to show a change."""
import time

from playwright.sync_api import expect

from tests.browser.declaring import PASSWORD


def reload_until(page, url, locator, text, timeout=30):
    """The system works by events: reload `url` until `locator` shows `text`."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        if text in (page.locator(locator).first.inner_text() if page.locator(locator).count() else ""):
            return
        if time.monotonic() > deadline:
            expect(page.locator(locator).first).to_contain_text(text, timeout=1)
        page.wait_for_timeout(300)


def reviewer_page(browser, system, username):
    context = browser.new_context(base_url=system.url, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/console/")  # 审核控制台 as `make run` prints it: its login first
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    return page
