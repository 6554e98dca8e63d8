"""The README's “试一试” walkthrough, step by step, using only what `make run`
prints: the portal and console addresses, the development SMS page and the
demo staff logins. Register an enterprise (the SMS code read from the SMS
page), 开始申报, fill every section, invite a tenant by its QR link (opened in
a phone-sized second window), 提交, then 通过 at the county and city levels
and 认定 at the province level; the enterprise's list shows 已认定.

At each step the page is checked with axe (no serious or critical violation
of WCAG 2.2 AA): the portal's, the phone's intake pages and the console's.

`make screenshots` runs this test with SME_SCREENSHOTS=docs/screenshots and
keeps a picture of each step for the README.
"""
import datetime as dt
import os
import re
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import text

from services.common import clock
from services.common import contracts as c
from services.common.db import make_engine

from tests.browser.declaring import (
    APPLICATION,
    PARTNER,
    TENANT,
    fill_form,
    fill_lists_and_attachments,
    open_section,
)
from tests.browser.wechat import WECHAT_IPHONE
from tests.support.accessibility import assert_accessible
from tests.support.web import png_bytes
from tests.support.identifiers import credit_code, phone_number
from tests.browser.walkthrough import printed  # noqa: F401


BASE_NAME = "玄武区演示创业园"
ENTERPRISE = "南京玄武演示园区运营有限公司"
USERNAME = "walkthrough_base"
PASSWORD = "Walk2026through"
PHONE = phone_number()
SHOTS = os.environ.get("SME_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=False)


def sms_code(page, sms_url, phone):
    """Read the latest code sent to `phone` from the development SMS page."""
    reader = page.context.new_page()
    try:
        for _ in range(60):
            reader.goto(f"{sms_url}?phone={phone}")
            rows = reader.locator("table.dev-sms tbody td.text")
            if rows.count():
                match = re.search(r"(\d{6})", rows.first.inner_text())
                if match:
                    shot(reader, "02-dev-sms")
                    return match.group(1)
            reader.wait_for_timeout(500)
        raise AssertionError(f"no SMS code for {phone} on {sms_url}")
    finally:
        reader.close()


def register_and_login(page, info):
    page.goto(info["portal"])
    shot(page, "01-home")
    assert_accessible(page, "首页")
    page.get_by_role("link", name="您好，请登录").click()
    page.get_by_role("link", name="注册").first.click()
    page.fill("#f-username", USERNAME)
    page.fill("#f-password", PASSWORD)
    page.fill("#f-password2", PASSWORD)
    page.fill("#f-name", ENTERPRISE)
    page.fill("#f-credit_code", credit_code(region="320102"))
    page.select_option(".region-city", "320100")
    page.select_option("#f-region_code", "320102")
    page.fill("#f-contact_name", "陈一")
    page.fill("#f-contact_phone", PHONE)
    page.get_by_role("button", name="获取验证码").click()
    page.fill("#f-sms_code", sms_code(page, info["sms"], PHONE))
    page.set_input_files("#f-licence", files=[{"name": "营业执照.png", "mimeType": "image/png", "buffer": png_bytes()}])
    page.check("#f-consent")
    shot(page, "03-register")
    assert_accessible(page, "注册")
    page.get_by_role("button", name="注册", exact=True).click()
    page.goto(info["portal"])
    page.get_by_role("link", name="您好，请登录").click()
    page.fill("#f-username", USERNAME)
    page.fill("#f-password", PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("link", name="认定申报")).to_be_visible()
    shot(page, "04-center")
    assert_accessible(page, "用户中心")


def tenant_on_a_phone(browser, url):
    phone = browser.new_context(
        locale="zh-CN", user_agent=WECHAT_IPHONE, viewport={"width": 390, "height": 844},
        is_mobile=True, has_touch=True,
    )
    try:
        tenant = phone.new_page()
        tenant.set_default_timeout(15_000)
        tenant.goto(url)
        expect(tenant.get_by_text(BASE_NAME).first).to_be_visible()
        shot(tenant, "07-intake-phone")
        assert_accessible(tenant, "入驻企业填报")
        tenant.get_by_role("link", name="开始填写").click()
        for step in ("base", "basic", "operations"):
            values = dict(TENANT[step])
            qualifications = values.pop("qualifications", None)
            if step == "basic":
                values["credit_code"] = credit_code(region="320102")
                tenant.select_option("#f-industry", index=9)
                values.pop("industry")
            fill_form(tenant, values)
            if qualifications:
                tenant.get_by_label(qualifications).check()
            assert_accessible(tenant, f"入驻企业填报：{step}")
            tenant.get_by_role("button", name="下一步").tap()
        expect(tenant.get_by_role("heading", name="请核对填写内容")).to_be_visible()
        tenant.get_by_role("button", name="确认提交").tap()
        expect(tenant.get_by_role("heading", name="提交成功")).to_be_visible()
    finally:
        phone.close()


def fill_and_submit(page, browser):
    page.get_by_role("link", name="认定申报").click()
    page.get_by_role("link", name="开始申报").click()
    page.check("#f-accept")
    page.get_by_role("button", name="下一步").click()
    expect(page.get_by_role("heading", name="数据填报")).to_be_visible()
    shot(page, "05-sections")
    assert_accessible(page, "数据填报")
    open_section(page, "申请表")
    fill_form(page, {**APPLICATION, "base_name": BASE_NAME, "revenue": "1000", "contact_mobile": PHONE})
    shot(page, "06-application")
    assert_accessible(page, "申请表")
    page.get_by_role("button", name="保存").click()
    fill_lists_and_attachments(page, {**PARTNER, "credit_code": credit_code(region="320102")})
    open_section(page, "入驻企业")
    code = page.get_by_alt_text("入驻企业填报二维码")
    expect(code).to_be_visible()
    code.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=code.element_handle())
    shot(page, "07-qr")
    tenant_on_a_phone(browser, page.locator("#intake-url").input_value())
    page.get_by_role("link", name="用户中心").click()
    page.get_by_role("link", name="认定申报", exact=True).click()
    page.get_by_role("link", name="继续填报").click()
    page.get_by_role("link", name="提交", exact=True).click()
    shot(page, "08-check-answers")
    assert_accessible(page, "核对")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_role("heading", name="提交成功")).to_be_visible()
    shot(page, "09-submitted")
    assert_accessible(page, "提交成功")


def review(browser, info, role, action, label):
    username, password = info["staff"][role]
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(info["console"])  # 审核控制台 as printed: its login first
        expect(page.get_by_role("heading", name="工信部门审核管理 · 登录")).to_be_visible()
        page.fill("#f-username", username)
        page.fill("#f-password", password)
        page.get_by_role("button", name="登录").click()
        todo = page.locator("a[data-tab=todo]")
        expect(todo).to_contain_text("待审核")  # where a reviewer lands, in the console's menu
        row = page.locator("table.cases tbody tr", has_text=BASE_NAME)
        for _ in range(60):  # the case arrives by event: 审核 in the menu shows it again
            if row.count():
                break
            page.wait_for_timeout(500)
            page.get_by_role("navigation", name="审核管理菜单").get_by_role("link", name="审核", exact=True).click()
        expect(todo).not_to_contain_text("待审核（0）")
        shot(page, f"10-inbox-{action}-{username}")
        assert_accessible(page, "待审核")
        row.get_by_role("link", name="审核").click()
        expect(page.get_by_role("heading", name=BASE_NAME)).to_be_visible()
        assert_accessible(page, "审核页")
        form = page.locator(f"form[data-action={action}]")
        form.locator("textarea[name=reason]").fill("演示：材料齐全")
        form.get_by_role("button", name=label, exact=True).click()
        page.get_by_role("button", name=f"确认{label}").click()
        expect(page.locator(".flash")).to_contain_text(f"已{label}")
        shot(page, f"11-case-{action}-{username}")
    finally:
        context.close()


def publicize_and_recognise(browser, info, system):
    """The province's 公示 (公示 in the console's menu), its period over (the
    dates moved a day back), then 认定 with the batch's 认定文号."""
    username, password = info["staff"]["省级审核"]
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    menu = page.get_by_role("navigation", name="审核管理菜单")
    try:
        page.goto(info["console"])
        page.fill("#f-username", username)
        page.fill("#f-password", password)
        page.get_by_role("button", name="登录").click()
        menu.get_by_role("link", name="公示", exact=True).click()
        page.get_by_label(BASE_NAME).check()
        today = clock.beijing_today().isoformat()
        page.get_by_label("公示标题").fill("双创基地认定公示")
        page.get_by_label("公示开始日期").fill(today)
        page.get_by_label("公示结束日期").fill(today)
        page.get_by_role("button", name="发布公示").click()
        expect(page.locator(".flash")).to_contain_text("已发布公示")
        shot(page, "11-publicity")
        engine = make_engine(c.REVIEW, system.env)
        with engine.begin() as conn:
            conn.execute(text("UPDATE review_publicity SET starts_on = :d, ends_on = :d"),
                         {"d": clock.beijing_today() - dt.timedelta(days=1)})
        engine.dispose()
        menu.get_by_role("link", name="审核", exact=True).click()
        page.locator("table.cases tbody tr", has_text=BASE_NAME).get_by_role("link", name="审核").click()
        form = page.locator("form[data-action=recognise]")
        form.get_by_label("认定文号").fill("苏工信中小〔2026〕1号")
        form.locator("textarea[name=reason]").fill("演示：公示期满无异议")
        form.get_by_role("button", name="认定", exact=True).click()
        page.get_by_role("button", name="确认认定").click()
        expect(page.locator(".flash")).to_contain_text("已认定")
        shot(page, "11-case-recognise")
    finally:
        context.close()


def test_the_readme_walkthrough(page, browser, system):
    info = printed(system)
    assert set(info["staff"]) == {"平台管理员", "区县审核", "设区市审核", "省级审核"}
    register_and_login(page, info)
    fill_and_submit(page, browser)

    review(browser, info, "区县审核", "approve", "通过")
    review(browser, info, "设区市审核", "approve", "通过")
    review(browser, info, "省级审核", "approve", "通过")  # 待公示
    publicize_and_recognise(browser, info, system)

    state = page.locator("table.declarations tbody tr .state").first
    for _ in range(60):
        page.get_by_role("link", name="认定申报", exact=True).click()
        if "已认定" in state.inner_text():
            break
        page.wait_for_timeout(500)
    expect(state).to_contain_text("已认定")
    expect(state).to_contain_text("证书编号 苏双创基地〔")
    expect(state).to_contain_text("文号 苏工信中小〔2026〕1号")
    shot(page, "12-recognised")
