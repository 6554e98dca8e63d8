"""注册 in a real browser against the whole running system: 获取验证码 sends
nothing while a field of the form is in error (a phone that is not a mobile
number, a wrong check character of the credit code, an enterprise or a
username that exists: FAQ 2.2, 2.3, 2.5); the SMS code read from the published
sms_requested event, then 登录 and 用户中心 showing the profile."""

from playwright.sync_api import expect

from services.common import contracts as c
from tests.support.events import listen_events
from tests.support.identifiers import credit_code, phone_number
from tests.support.web import png_bytes

PASSWORD = "Passw0rd!x"


def png_file():
    return {"name": "营业执照.png", "mimeType": "image/png", "buffer": png_bytes((120, 80))}


def field(page, key):
    return page.locator(f'.field[data-field="{key}"]')


def test_register_with_a_correction_then_login_and_see_the_profile(page, system):
    code_value = credit_code()
    wrong_code = code_value[:17] + ("0" if code_value[17] != "0" else "1")
    phone = phone_number()
    username = "liyuan" + phone[-6:]

    page.goto("/")
    page.locator("header").get_by_role("link", name="您好，请登录", exact=True).click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.locator("main").get_by_role("link", name="注册", exact=True).click()

    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.fill("#f-password2", PASSWORD)
    page.fill("#f-name", "苏州星火众创空间管理有限公司")
    page.fill("#f-credit_code", wrong_code)
    page.select_option(".region-city", "320500")
    page.select_option("#f-region_code", "320576")
    page.fill("#f-contact_name", "陈晓")

    # FAQ 2.5: no code while any field shows a red error — the phone (checked
    # in the page), then the credit code's check character (by the service).
    with listen_events(system.env[c.ENV_AMQP_URI], c.ACCOUNTS, c.SMS_REQUESTED) as events:
        page.fill("#f-contact_phone", phone[:10])
        page.get_by_role("button", name="获取验证码").click()
        expect(field(page, "contact_phone").locator(".field-error")).to_have_text("请填写11位中国大陆手机号码")
        expect(page.locator("#f-contact_phone")).to_be_focused()
        expect(page.locator("#code-status")).to_contain_text("请先按红色提示修改（联系手机）")

        page.fill("#f-contact_phone", phone)
        page.get_by_role("button", name="获取验证码").click()
        expect(field(page, "credit_code").locator(".field-error")).to_contain_text("校验位不正确")
        expect(field(page, "contact_phone").locator(".field-error")).to_have_count(0)
        expect(page.locator("#code-status")).to_contain_text("请先按红色提示修改（统一社会信用代码）")
        # unchanged, the red message still stands
        page.get_by_role("button", name="获取验证码").click()
        expect(page.locator("#code-status")).to_contain_text("请先按红色提示修改（统一社会信用代码）")

        page.fill("#f-credit_code", code_value)
        page.get_by_role("button", name="获取验证码").click()
        expect(page.locator("#code-status")).to_contain_text("验证码已发送")
        [envelope] = events.wait(1, timeout=15, where=lambda e: e["data"]["phone"] == phone)
    expect(field(page, "credit_code").locator(".field-error")).to_have_count(0)
    page.fill("#f-sms_code", envelope["data"]["params"]["code"])
    page.set_input_files("#f-licence", png_file())
    page.check("#f-consent")
    page.get_by_role("button", name="注册", exact=True).click()

    expect(page.locator(".flash")).to_contain_text(f"注册成功，您的用户名是 {username}")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()

    expect(page).to_have_url(system.url.rstrip("/") + "/center")
    profile = page.locator("table.profile")
    expect(profile).to_contain_text("苏州星火众创空间管理有限公司")
    expect(profile).to_contain_text(code_value)
    expect(profile).to_contain_text("苏州工业园区")
    expect(profile).to_contain_text("陈晓")
    expect(profile).to_contain_text(phone)
    menu = page.locator("nav.center-menu")
    expect(menu).to_contain_text("双创基地")
    expect(menu.get_by_role("link", name="认定申报")).to_have_attribute("href", "/center/declarations")
    expect(page.locator("header")).to_contain_text("苏州星火众创空间管理有限公司")

    page.get_by_role("button", name="退出").click()
    expect(page.locator("header").get_by_role("link", name="您好，请登录", exact=True)).to_be_visible()


def test_an_existing_enterprise_or_username_gets_no_code(page, system):
    """FAQ 2.2 and 2.3 are answered when the code is asked for, not after."""
    from tests.support import browser as support

    code_value, phone = credit_code(), phone_number()
    support.register_and_login(page, system, "firstbase" + phone[-4:], PASSWORD, "无锡先行孵化器有限公司",
                               code_value, "320213", phone)
    page.get_by_role("button", name="退出").click()

    other_phone = phone_number()
    page.locator("header").get_by_role("link", name="注册", exact=True).click()
    page.fill("#f-username", "firstbase" + phone[-4:])
    page.fill("#f-password", PASSWORD)
    page.fill("#f-password2", PASSWORD)
    page.fill("#f-name", "无锡先行孵化器有限公司")
    page.fill("#f-credit_code", code_value)
    page.select_option(".region-city", "320200")
    page.select_option("#f-region_code", "320213")
    page.fill("#f-contact_name", "周敏")
    page.fill("#f-contact_phone", other_phone)
    with listen_events(system.env[c.ENV_AMQP_URI], c.ACCOUNTS, c.SMS_REQUESTED) as events:
        page.get_by_role("button", name="获取验证码").click()
        expect(field(page, "credit_code").locator(".field-error")).to_have_text("该企业已存在")
        expect(field(page, "username").locator(".field-error")).to_have_text("用户名已存在，请更换用户名")
        expect(page.locator("#code-status")).to_contain_text("用户名")
        page.wait_for_timeout(1000)
        assert [e for e in events.drain() if e["data"]["phone"] == other_phone] == []
