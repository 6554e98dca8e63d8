"""A reviewer's page in the console, a case opened and decided on it, 提交
by the enterprise, a 公示 period gone by, and waiting for a page to show a
change."""
import datetime as dt
import time

from playwright.sync_api import expect
from sqlalchemy import text as sql_text

from services.common import clock
from services.common import contracts as c
from services.common.db import make_engine
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


def submit(page):
    page.goto("/center/declarations")
    page.get_by_role("link", name="继续填报").click()
    page.get_by_role("link", name="提交", exact=True).click()
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_role("heading", name="提交成功")).to_be_visible()


def open_case(page, base_name):
    """审核 in the menu until the case of `base_name` is listed, and its 审核."""
    rows = page.locator("table.cases tbody tr", has_text=base_name)
    for _ in range(100):  # the case arrives by event: 审核 in the menu lists it again
        page.get_by_role("navigation", name="审核管理菜单").get_by_role("link", name="审核", exact=True).click()
        if rows.count():
            break
        page.wait_for_timeout(300)
    page.locator("table.cases tbody tr", has_text=base_name).get_by_role("link", name="审核").click()
    expect(page.get_by_role("heading", name=base_name)).to_be_visible()


def act(page, action, label, reason=None, sections=()):
    form = page.locator(f"form[data-action={action}]")
    if reason is not None:
        form.locator("textarea[name=reason]").fill(reason)
    for name in sections:
        form.get_by_label(name).check()
    form.get_by_role("button", name=label, exact=True).click()
    expect(page.get_by_role("heading", name=f"确认{label}")).to_be_visible()
    page.get_by_role("button", name=f"确认{label}").click()
    expect(page.locator(".flash")).to_contain_text(f"已{label}")


def period_ends(system):
    """The 公示's last day goes by (its dates moved a day back)."""
    engine = make_engine(c.REVIEW, system.env)
    with engine.begin() as conn:
        conn.execute(sql_text("UPDATE review_publicity SET starts_on = :d, ends_on = :d"),
                     {"d": clock.beijing_today() - dt.timedelta(days=1)})
    engine.dispose()
