"""The personal-data notice of the tenant intake and the rules page, through
the gateway against the tenants service on the real RabbitMQ and PostgreSQL:
the intake's first page says who collects, what for, how long and who to ask,
with a link to the full rules; 确认提交 records on the tenant entry which
notice was shown and when; the rules page lists every category of personal
data with its purpose and its retention as configured."""
import re

from services.common import contracts as c
from services.common import personal_data
from tests.gateway.intake_walk import WECHAT_UA, owner, token, walk  # noqa: F401 - fixtures
from tests.support.identifiers import credit_code
from tests.tenants.helpers import BASE_NAME, entry_data

DECL = "decl-gw-1"


def test_the_first_page_gives_the_notice_and_submit_records_it(app, owner, token):  # noqa: F811
    client = app.test_client()
    html = client.get(f"/intake/{token}", headers={"User-Agent": WECHAT_UA}).get_data(as_text=True)
    notice = re.search(r'<aside class="privacy-notice".*?</aside>', html, re.S).group(0)
    for words in ("个人信息告知", "谁收集", "用途", "保存多久", "向谁询问", BASE_NAME, personal_data.CONTROLLER):
        assert words in notice
    assert f"届满后{personal_data.retention('recognised')}年" in notice
    assert 'href="/privacy"' in notice
    # Before the start button, so it is read before anything is typed.
    assert html.index("个人信息告知") < html.index("开始填写")

    response = walk(client, token, entry_data(credit_code()))
    assert response.status_code == 302
    [entry] = owner.list_entries(DECL)
    assert entry["notice_version"] == personal_data.NOTICE_VERSION and entry["notice_shown_at"]


def test_an_entry_submitted_without_the_notice_records_none(app, owner, token):  # noqa: F811
    from tests.tenants.helpers import fill, new_device, proxy

    with proxy(app.config["SERVICES_CONFIG"]) as anonymous:
        device = new_device()
        fill(anonymous, token, device, entry_data(credit_code()))
        anonymous.submit_intake(token, device, notice="1999-01")  # not a notice the pages show
    [entry] = owner.list_entries(DECL)
    assert entry["notice_version"] is None and entry["notice_shown_at"] is None


def test_the_rules_page_lists_every_category_with_purpose_and_configured_retention(config):
    from gateway import create_app

    app = create_app({**config, c.ENV_RETENTION_SMS_DAYS: "90", c.ENV_RETENTION_REJECTED_YEARS: "2"})
    try:
        html = app.test_client().get("/privacy").get_data(as_text=True)
    finally:
        app.extensions["rpc"].close()
    rows = dict(re.findall(r'<tr id="category-(\w+)">(.*?)</tr>', html, re.S))
    assert set(rows) == {cat.key for cat in personal_data.CATEGORIES}
    for cat in personal_data.CATEGORIES:
        assert cat.label in rows[cat.key] and cat.purpose in rows[cat.key]
    assert "发送后90天" in rows["sms"] and "未通过之日起2年" in rows["rejected"]
