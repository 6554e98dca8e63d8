"""The gateway's SMS pages on the running services: the admin's 短信记录 in
the console (phones masked, filters, admins only) and the development-only
/dev/sms page."""
import pytest

from gateway import create_app
from gateway.console import sms as sms_page
from services.accounts.service import AccountsService
from services.common import contracts as c
from services.notify import models, templates
from services.notify.service import NotifyService
from tests.accounts.helpers import create_staff, login_staff
from tests.notify.helpers import FAST, processed, publish, sms, states, wait_for


@pytest.fixture
def services(container_factory, config):
    for cls, extra in ((AccountsService, {}), (NotifyService, FAST)):
        container_factory(cls, {**config, **extra}).start()


@pytest.fixture
def app(config):
    app = create_app(config)
    yield app
    app.extensions["rpc"].close()


@pytest.fixture
def two_messages(services, config, db_engine):
    engine = db_engine(c.NOTIFY)
    publish(config, c.ACCOUNTS, sms("13812341234"))
    publish(
        config,
        c.DECLARATIONS,
        sms("13912345678", template=c.SMS_DECLARATION_RETURNED, params={"reason": "附件不清晰"}),
    )
    wait_for(lambda: processed(engine) == 2, what="two events handled")
    wait_for(lambda: set(states(engine).values()) == {models.SENT}, what="both sent")


def test_the_page_labels_match_the_service_tables():
    assert sms_page.STATES == models.STATE_LABELS
    assert sms_page.TEMPLATES == templates.LABELS


def test_admins_see_the_delivery_log_with_masked_phones_and_filters(two_messages, config, app):
    create_staff(config, "smsadmin")
    client = app.test_client()
    login_staff(client, "smsadmin")
    html = client.get("/console/sms").get_data(as_text=True)
    assert "短信记录" in html and "共 2 条" in html
    assert "138****1234" in html and "139****5678" in html
    assert "13812341234" not in html and "13912345678" not in html
    assert "验证码" in html and "申报已退回" in html and "已发送" in html

    only = client.get("/console/sms?phone=13912345678").get_data(as_text=True)
    assert "共 1 条" in only and "139****5678" in only and "138****1234" not in only
    assert 'value="13912345678"' in only  # the filter keeps what was typed

    bad = client.get("/console/sms?date_from=yesterday")
    assert bad.status_code == 422
    assert "日期格式应为 YYYY-MM-DD" in bad.get_data(as_text=True)


def test_the_delivery_log_is_for_admins_only(services, config, app):
    client = app.test_client()
    response = client.get("/console/sms")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    create_staff(config, "county1", kind=c.REVIEWER, level=c.COUNTY, region="320102")
    login_staff(client, "county1")
    assert client.get("/console/sms").status_code == 403


def test_the_dev_page_shows_the_outbox_in_development(two_messages, app):
    client = app.test_client()
    html = client.get("/dev/sms").get_data(as_text=True)
    assert "开发环境短信" in html
    assert "13812341234" in html and "您的验证码为246810" in html
    assert "您的双创基地认定申报已被退回，原因：附件不清晰，请登录修改后重新提交" in html
    mine = client.get("/dev/sms?phone=13812341234").get_data(as_text=True)
    assert "13812341234" in mine and "13912345678" not in mine


def test_the_dev_page_does_not_exist_in_production(config):
    app = create_app(
        {**config, c.ENV_APP_ENV: "production", c.ENV_SECRET_KEY: "s1-of-its-own", c.ENV_PRINCIPAL_SECRET: "s2-of-its-own",
         c.ENV_PUBLIC_BASE_URL: "https://sme.example.gov.cn"}
    )
    try:
        assert app.test_client().get("/dev/sms").status_code == 404
    finally:
        app.extensions["rpc"].close()
