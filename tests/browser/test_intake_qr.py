"""The intake QR code as the portal really draws it, read by a decoder the
way a phone meets it: at its displayed size, at half that, and on the A4
poster printed at 150 dpi. It encodes the short link that starts with
PUBLIC_BASE_URL, a QR version ≤ 5 at error correction M, and opens the
intake pages on a phone."""
from playwright.sync_api import expect

from services.common import config as cfg
from tests.browser.applicant import open_section, start_declaration
from tests.support import qr

LEVELS = "LMQH"
A4_CSS_PX = {"width": 794, "height": 1123}  # 210 × 297 mm at 96 CSS px per inch
PRINT_DPI = 150


def decoded(image):
    [(text, version, level)] = qr.read(image)
    assert version <= 5 and LEVELS.index(level) >= LEVELS.index("M"), (version, level)
    return text


def test_the_qr_code_reads_at_first_try_on_screen_at_half_size_and_on_the_poster(page, system, browser):
    start_declaration(page, system, "qrcode_base")
    open_section(page, "申请表")
    page.locator("#f-base_name").fill("鼓楼青年创业园")
    page.locator("form[data-keep]").get_by_role("button", name="保存").click()
    open_section(page, "入驻企业")

    code = page.get_by_alt_text("入驻企业填报二维码")
    expect(code).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=code.element_handle())
    link = page.locator("#intake-url").input_value()
    assert link.startswith(cfg.public_base_url(system.env) + "/q/")

    shown = qr.png(code.screenshot())
    assert decoded(qr.captured(shown)) == link  # at the displayed size
    assert decoded(qr.captured(shown, shown.width // 2)) == link  # at half size

    # the A4 poster, printed at 150 dpi
    with page.expect_popup() as popup:
        page.get_by_role("link", name="打印海报（A4）").click()
    poster_url = popup.value.url
    popup.value.close()
    printer = browser.new_context(storage_state=page.context.storage_state(), viewport=A4_CSS_PX,
                                  device_scale_factor=PRINT_DPI / 96)
    try:
        sheet = printer.new_page()
        sheet.goto(poster_url)
        sheet.emulate_media(media="print")
        printed = qr.png(sheet.screenshot(full_page=False))
        assert printed.width == round(A4_CSS_PX["width"] * PRINT_DPI / 96)
        assert decoded(qr.captured(printed)) == link
    finally:
        printer.close()

    # a phone that scans it lands on the intake pages
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        tenant = phone.new_page()
        tenant.goto(link)
        expect(tenant.get_by_text("鼓楼青年创业园").first).to_be_visible()
        assert "/intake/" in tenant.url
    finally:
        phone.close()
