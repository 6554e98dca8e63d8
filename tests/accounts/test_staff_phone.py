"""A staff member's phone for the daily digest of their office: set on the
console's 我的手机 page and kept only once the SMS code sent to it is typed
back; another service, as itself, asks accounts for the verified phones of an
office (level + region); no user may."""
import pytest
from sqlalchemy import text

from gateway import create_app
from gateway.rpc import RpcClient
from services.accounts.service import AccountsService
from services.common import contracts
from services.common.entrypoints import ServiceRpc, rpc
from services.common.errors import Forbidden, Unauthenticated, ValidationFailed
from services.common.principal import Principal
from tests.accounts.helpers import create_staff, login_staff, post
from tests.support.events import listen_events


class DigestService:
    """Stands for the service that sends an office's daily digest."""

    name = "digest_probe"
    accounts = ServiceRpc(contracts.ACCOUNTS)

    @rpc(public=True)
    def phones(self, level, region_code):
        return self.accounts.office_phones(level, region_code)


@pytest.fixture
def running(runner_factory, config):
    runner = runner_factory(config, AccountsService, DigestService)
    runner.start()
    return runner


@pytest.fixture
def app(config, running):
    app = create_app(config)
    yield app
    app.extensions["rpc"].close()


@pytest.fixture
def client(config, running):
    rpc_client = RpcClient(config)
    yield rpc_client
    rpc_client.close()


def verify_phone(client, config, phone):
    """我的手机 as a staff member does it: 获取验证码, then 保存 with the code."""
    assert client.get("/console/phone").status_code == 200
    with listen_events(config["AMQP_URI"], contracts.ACCOUNTS, contracts.SMS_REQUESTED) as events:
        sent = post(client, "/console/phone", {"phone": phone, "action": "send_code"})
        assert sent.status_code == 200, sent.get_data(as_text=True)
        assert "验证码已发送至" in sent.get_data(as_text=True)
        [envelope] = events.wait(1, where=lambda e: e["data"]["phone"] == phone)
    return envelope["data"]["params"]["code"]


def test_a_reviewer_verifies_a_phone_and_the_office_gets_it(app, client, config):
    create_staff(config, "rev1", kind=contracts.REVIEWER, level=contracts.COUNTY, region="320102")
    create_staff(config, "rev2", kind=contracts.REVIEWER, level=contracts.COUNTY, region="320102")
    create_staff(config, "rev3", kind=contracts.REVIEWER, level=contracts.COUNTY, region="320104")
    browser = app.test_client()
    login_staff(browser, "rev1")
    assert 'href="/console/phone">我的手机</a>' in browser.get("/console/cases").get_data(as_text=True)
    code = verify_phone(browser, config, "13912345678")

    # Before the code is typed back, the phone is nobody's.
    assert client.call("digest_probe", "phones", contracts.COUNTY, "320102") == []
    wrong = post(browser, "/console/phone", {"phone": "13912345678", "sms_code": "000000", "action": "save"})
    if code != "000000":
        assert wrong.status_code == 422 and "短信验证码不正确" in wrong.get_data(as_text=True)
    saved = post(browser, "/console/phone", {"phone": "13912345678", "sms_code": code, "action": "save"})
    assert saved.status_code == 302
    assert "139****5678" in browser.get("/console/phone").get_data(as_text=True)

    assert client.call("digest_probe", "phones", contracts.COUNTY, "320102") == ["13912345678"]
    assert client.call("digest_probe", "phones", contracts.COUNTY, "320104") == []  # rev3's office: none verified
    assert client.call("digest_probe", "phones", contracts.CITY, "320100") == []


def test_a_phone_typed_without_its_code_is_not_kept(app, client, config):
    create_staff(config, "rev1", kind=contracts.REVIEWER, level=contracts.CITY, region="320100")
    browser = app.test_client()
    login_staff(browser, "rev1")
    refused = post(browser, "/console/phone", {"phone": "13912345678", "sms_code": "123456", "action": "save"})
    assert refused.status_code == 422 and "请先获取短信验证码" in refused.get_data(as_text=True)
    bad = post(browser, "/console/phone", {"phone": "1391234", "action": "send_code"})
    assert bad.status_code == 422 and "手机" in bad.get_data(as_text=True)
    assert client.call("digest_probe", "phones", contracts.CITY, "320100") == []


def test_a_disabled_reviewer_gets_no_digest(app, client, config, db_engine):
    create_staff(config, "admin1")
    create_staff(config, "rev1", kind=contracts.REVIEWER, level=contracts.PROVINCE, region="320000")
    browser = app.test_client()
    login_staff(browser, "rev1")
    code = verify_phone(browser, config, "13712345678")
    post(browser, "/console/phone", {"phone": "13712345678", "sms_code": code, "action": "save"})
    assert client.call("digest_probe", "phones", contracts.PROVINCE, "320000") == ["13712345678"]

    admin = app.test_client()
    login_staff(admin, "admin1")
    page = admin.get("/console/staff").get_data(as_text=True)
    assert "137****5678" in page  # 人员管理 shows whose phone is verified
    with db_engine(contracts.ACCOUNTS).connect() as conn:
        rev_id = conn.execute(text("SELECT id FROM accounts WHERE username = 'rev1'")).scalar_one()
    post(admin, f"/console/staff/{rev_id}/disable", {"disabled": "1"})
    assert client.call("digest_probe", "phones", contracts.PROVINCE, "320000") == []


def test_only_services_may_ask_for_an_office_s_phones(client, config):
    with pytest.raises(Unauthenticated):
        client.call(contracts.ACCOUNTS, contracts.ACCOUNTS_OFFICE_PHONES, contracts.COUNTY, "320102")
    for kind, level, region in ((contracts.ADMIN, None, None), (contracts.REVIEWER, contracts.COUNTY, "320102")):
        user = Principal(kind=kind, id="00000000-0000-0000-0000-000000000001", region_code=region, level=level)
        with pytest.raises(Forbidden):
            client.call(contracts.ACCOUNTS, contracts.ACCOUNTS_OFFICE_PHONES, contracts.COUNTY, "320102",
                        principal=user)


def test_an_office_is_a_level_with_its_region(client):
    with pytest.raises(ValidationFailed):
        client.call("digest_probe", "phones", "mayor", "320102")
    with pytest.raises(ValidationFailed):
        client.call("digest_probe", "phones", contracts.COUNTY, "320100")  # a city is no county
    with pytest.raises(ValidationFailed):
        client.call("digest_probe", "phones", contracts.COUNTY, "3" * 5000)
