"""Steps that several browser tests take the same way."""
import subprocess
import sys

from playwright.sync_api import expect

from services.common.config import ROOT
from tests.support.events import listen_events
from tests.support.web import png_bytes


def seed_demo_batch(system):
    subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "services.declarations.manage", "seed-demo-batch"],
        cwd=ROOT, env=system.env, check=True, capture_output=True,
    )


def register_and_login(page, system, username, password, company, credit_code, county, phone, contact="李四"):
    """注册 (the SMS code read from the sms_requested event) and 登录; ends
    in 用户中心. Starts from the home page's 注册 beside 您好，请登录."""
    page.goto("/")
    page.locator("header").get_by_role("link", name="注册", exact=True).click()
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.fill("#f-password2", password)
    page.fill("#f-name", company)
    page.fill("#f-credit_code", credit_code)
    page.select_option(".region-city", county[:4] + "00")
    page.select_option("#f-region_code", county)
    page.fill("#f-contact_name", contact)
    page.fill("#f-contact_phone", phone)
    with listen_events(system.env["AMQP_URI"], "accounts", "sms_requested") as events:
        page.get_by_role("button", name="获取验证码").click()
        [sms] = events.wait(1, timeout=20, where=lambda e: e["data"]["phone"] == phone)
    page.fill("#f-sms_code", sms["data"]["params"]["code"])
    page.set_input_files("#f-licence", files=[{"name": "licence.png", "mimeType": "image/png", "buffer": png_bytes()}])
    page.check("#f-consent")
    page.get_by_role("button", name="注册", exact=True).click()
    page.wait_for_url("**/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("link", name="认定申报")).to_be_visible()
