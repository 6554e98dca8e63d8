"""The portal's home page in a real browser, against the whole running system."""
import socket

from playwright.sync_api import expect

from services.common import contracts as c


def test_the_process_is_not_monkey_patched():
    # Playwright's sync API hangs in a patched process; the harness must not
    # have pulled eventlet's patch in through some import.
    assert socket.socket.__module__ == "socket"


def test_home_page_is_in_chinese_with_the_manual_entry_points(page):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    header = page.locator("header")
    expect(header.get_by_role("link", name="您好，请登录", exact=True)).to_be_visible()
    # the manual's first picture: 注册 next to 您好，请登录
    expect(header.locator("a.login-link + a")).to_have_text("注册")
    header.get_by_role("link", name="注册", exact=True).click()
    expect(page.get_by_role("heading", name="注册")).to_be_visible()
    page.go_back()
    expect(header.get_by_role("link", name="用户中心", exact=True)).to_be_visible()
    assert "江苏省中小企业公共服务平台" in page.title()


def test_healthz_is_green_for_every_service(page):
    response = page.request.get("/healthz")
    assert response.status == 200
    services = response.json()["services"]
    assert set(services) == set(c.SERVICES)
    assert all(answer["ok"] is True for answer in services.values()), services
