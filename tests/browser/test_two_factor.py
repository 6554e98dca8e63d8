"""两步验证 in the console, walked in the browser: a reviewer logs in with a
password (development: not forced), follows the offer on the console's home
page, scans the QR code (here: reads the key shown beside it), confirms with
the app's code, keeps the recovery codes, and from then on logs in with a
code after the password."""
import datetime as dt
import subprocess
import sys

import pyotp
from playwright.sync_api import expect

from services.common.config import ROOT

USERNAME = "tfa_browser"
PASSWORD = "Passw0rd!tfa"


def create_reviewer(system):
    subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "services.accounts.manage", "create-staff", "--username", USERNAME,
         "--name", "玄武区两步验证审核员", "--kind", "reviewer", "--level", "county", "--region", "320102",
         "--password-stdin"],
        cwd=ROOT, env=system.env, input=PASSWORD + "\n", text=True, check=True, capture_output=True,
    )


def login(page):
    page.goto("/console/")
    page.fill("#f-username", USERNAME)
    page.fill("#f-password", PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()


def test_a_reviewer_enables_two_factor_and_logs_in_with_a_code(page, system):
    create_reviewer(system)
    login(page)
    expect(page.locator(".notice")).to_contain_text("尚未启用两步验证")
    page.get_by_role("link", name="启用两步验证").click()

    expect(page.get_by_role("heading", name="两步验证")).to_be_visible()
    qr = page.locator("img.totp-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # the QR code is an image the browser decoded
    secret = page.locator("code.totp-secret").inner_text().replace(" ", "")
    page.fill("#f-code", "000000")
    page.get_by_role("button", name="启用").click()
    expect(page.locator(".error-summary")).to_contain_text("验证码不正确")
    page.fill("#f-code", pyotp.TOTP(secret).now())
    page.get_by_role("button", name="启用").click()

    expect(page.get_by_role("heading", name="两步验证已启用")).to_be_visible()
    codes = page.locator("ul.recovery-codes li")
    expect(codes).to_have_count(10)
    page.get_by_role("link", name="我已保存，进入审核管理").click()
    expect(page.get_by_role("heading", name="申报审核")).to_be_visible()

    page.get_by_role("button", name="退出").click()
    login(page)
    expect(page.get_by_label("验证码或恢复码")).to_be_visible()
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=30)
    page.fill("#f-code", pyotp.TOTP(secret).at(later))  # the app's next code
    page.get_by_role("button", name="验证并登录").click()
    expect(page.get_by_role("heading", name="申报审核")).to_be_visible()
    expect(page.get_by_text("两步验证：已启用")).to_be_visible()
