"""The portal's account pages are rendered from the accounts service's own
rule tables, which it serves by RPC (ACCOUNTS_DESCRIBE_FORMS): the gateway
does not load the service's code (nor its password hashing), a page posts
back only the fields it shows, and a field a page lacks keeps its value."""
import subprocess
import sys

import pytest

from gateway import create_app
from gateway.rpc import RpcClient
from services.accounts import forms
from services.accounts.service import AccountsService
from services.common import contracts
from tests.accounts.helpers import csrf_token, post, register_and_login
from tests.support.events import listen_events


@pytest.fixture
def config(config, tmp_path):
    return {**config, contracts.ENV_BLOB_DIR: str(tmp_path / "blobs")}


@pytest.fixture
def accounts(container_factory, config):
    container = container_factory(AccountsService, config)
    container.start()
    return container


@pytest.fixture
def client(config, accounts):
    rpc = RpcClient(config)
    yield rpc
    rpc.close()


@pytest.fixture
def app(config, accounts):
    app = create_app(config)
    yield app
    app.extensions["rpc"].close()


def test_the_service_describes_its_forms_with_a_hash(client):
    first = client.call(contracts.ACCOUNTS, contracts.ACCOUNTS_DESCRIBE_FORMS)
    pages = {page["key"]: page for page in first["parts"]}
    register = pages["register"]
    fields = {f["key"]: f for f in register["fields"]}
    assert fields["username"]["label"] == "用户名" and fields["username"]["required"] is True
    assert fields["password"]["type"] == "password"
    assert fields["region_code"]["type"] == "region" and fields["region_code"]["regions"]
    assert fields["contact_name"]["max_length"] == 50
    assert register["uploads"] == [{"key": "licence", "label": "营业执照"}]
    assert set(pages) >= {"forgot_username", "forgot_password", "change_password", "change_contact", "appeal"}

    # The hash is of the description: the same answer, the same hash; another table, another hash.
    again = client.call(contracts.ACCOUNTS, contracts.ACCOUNTS_DESCRIBE_FORMS)
    assert again == first
    assert forms.describe_pages({"register": forms.PAGES["register"]})["hash"] != first["hash"]


def test_the_gateway_loads_no_code_of_the_accounts_service():
    probe = (
        "import sys\n"
        "from gateway import create_app\n"
        "create_app({})\n"
        "loaded = [m for m in sys.modules if m.startswith(('services.accounts', 'argon2'))]\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_register_page_shows_the_described_fields(app):
    html = app.test_client().get("/register").get_data(as_text=True)
    for label in ("用户名", "确认密码", "统一社会信用代码", "注册地区", "联系手机", "短信验证码", "营业执照"):
        assert label in html
    assert 'name="contact_name"' in html and 'type="password"' in html


def test_a_contact_form_without_the_name_field_keeps_the_name(app, config):
    client = app.test_client()
    data = register_and_login(client, config)
    old_phone = data["contact_phone"]
    new_phone = ("138" if old_phone.startswith("139") else "139") + old_phone[3:]  # another phone
    with listen_events(config["AMQP_URI"], contracts.ACCOUNTS, contracts.SMS_REQUESTED) as events:
        sent = client.post("/sms-code", json={"purpose": "change_phone", "contact_phone": new_phone},
                           headers={"X-CSRF-Token": csrf_token(client)})
        assert sent.status_code == 200, sent.get_data(as_text=True)
        [envelope] = events.wait(1, where=lambda e: e["data"]["phone"] == new_phone)
    # A page that shows only the phone (no 联系人 field) posts no contact_name.
    saved = post(client, "/center/contact", {"contact_phone": new_phone, "action": "save",
                                             "sms_code": envelope["data"]["params"]["code"]})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    profile = client.get("/center").get_data(as_text=True)
    assert data["contact_name"] in profile and new_phone[-4:] in profile
