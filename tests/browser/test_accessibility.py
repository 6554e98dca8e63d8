"""Accessibility of the console, by clicking from what `make run` prints:
every page an admin reaches through the menu passes axe (no serious or
critical violation of WCAG 2.2 AA), a failed form moves the focus to its error
summary, the skip link leads to the page's content, and every target is at
least 24 px. (The portal's and intake's pages are checked along the README
walkthrough, tests/browser/test_walkthrough.py.)"""
from playwright.sync_api import expect

from tests.browser.walkthrough import printed
from tests.support.accessibility import assert_accessible, focused_on_error_summary

MENU = ("审核", "人员管理", "申诉处理", "申报批次", "短信记录", "消息队列异常", "日志")


def menu(page, label):
    page.get_by_role("navigation", name="审核管理菜单").get_by_role("link", name=label, exact=True).click()


def small_targets(page):
    """Buttons, form controls and links outside running text smaller than
    24 × 24 px (WCAG 2.2 target size)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll(
              'button, input:not([type=hidden]), select, .button, nav a, .help-icon, .skip-link:focus'))
            .filter(e => e.offsetParent !== null)
            .map(e => [e, e.getBoundingClientRect()])
            .filter(([e, r]) => r.width < 24 || r.height < 24)
            .map(([e, r]) => `${e.tagName.toLowerCase()}.${e.className} ${e.name || e.textContent.trim()} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
    )


def test_console_pages_are_accessible(page, system):
    info = printed(system)
    username, password = info["staff"]["平台管理员"]
    page.goto(info["console"])
    assert_accessible(page, "控制台登录")
    # The skip link is the first stop of the keyboard and leads to the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    skip.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    page.fill("#f-username", username)
    page.fill("#f-password", "wrong-Passw0rd")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".error-summary")).to_contain_text("用户名或密码错误")
    assert focused_on_error_summary(page)
    assert_accessible(page, "登录失败")

    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("a[data-tab=todo]")).to_contain_text("待审核")
    for label in MENU:
        menu(page, label)
        expect(page.locator("h1").first).to_be_visible()
        assert_accessible(page, label)
        assert small_targets(page) == [], label
    page.get_by_role("link", name="登录日志").click()
    assert_accessible(page, "登录日志")

    # Failed forms: the focus moves to the error summary, whose links lead to the fields.
    menu(page, "人员管理")
    page.get_by_role("link", name="新建人员").click()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert focused_on_error_summary(page)
    assert_accessible(page, "新建人员（有误）")
    page.locator(".error-summary a").first.click()
    assert page.evaluate("() => document.activeElement.id").startswith("f-")

    menu(page, "申报批次")
    page.get_by_role("link", name="新建批次").click()
    assert_accessible(page, "新建批次")
    assert small_targets(page) == [], "新建批次"
    page.fill("#f-name", "")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert focused_on_error_summary(page)
    assert_accessible(page, "新建批次（有误）")
    for link in page.locator(".error-summary a").all():
        target = link.get_attribute("href")
        assert page.locator(target).count() == 1, f"the summary's link {target} leads nowhere"

    menu(page, "日志")
    page.fill("#f-date_from", "2026-05-02")
    page.fill("#f-date_to", "2026-05-01")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".error-summary")).to_contain_text("结束日期不能早于开始日期")
    assert focused_on_error_summary(page)

    # 退出 leads back to the console's login.
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("heading", name="工信部门审核管理 · 登录")).to_be_visible()
