"""The portal's account pages through the running accounts service: 注册
(a red error corrected first, the code read from the sms_requested event),
登录, 用户中心, 退出, the FAQ answers, 忘记用户名, password change, and the
admin's 申诉 pages."""
import io
import re

import pytest
from sqlalchemy import text

from gateway import create_app
from services.accounts.service import AccountsService
from services.common import contracts as c
from tests.accounts.helpers import (
    PASSWORD,
    create_staff,
    csrf_token,
    login_enterprise,
    login_staff,
    post,
    register_via_gateway,
    registration_data,
)
from tests.support.events import listen_events
from tests.support.web import png_bytes
from tests.gateway.sms_codes import ask_code  # noqa: F401


@pytest.fixture
def config(config, tmp_path):
    return {**config, c.ENV_BLOB_DIR: str(tmp_path / "blobs")}


@pytest.fixture
def accounts(container_factory, config):
    container = container_factory(AccountsService, config)
    container.start()
    return container


@pytest.fixture
def app(config, accounts):
    app = create_app(config)
    yield app
    app.extensions["rpc"].close()


def register_form(data, code, licence=None):
    form = dict(data, sms_code=code, action="register")
    form["licence"] = (io.BytesIO(licence if licence is not None else png_bytes()), "执照.png")
    return form


def register(client, config, data=None):
    return register_via_gateway(client, config, data)


def test_register_with_an_error_corrected_then_login_and_see_the_profile(app, config):
    client = app.test_client()
    page = client.get("/register").get_data(as_text=True)
    for label in ("用户名", "密码", "确认密码", "企业名称", "统一社会信用代码", "注册地区", "联系人", "联系手机", "短信验证码", "营业执照", "获取验证码"):
        assert label in page
    assert "个人信息处理规则" in page and 'href="/privacy"' in page
    assert 'class="help-icon"' in page and "region-city" in page

    data = registration_data()
    answer, code = ask_code(client, config, data["contact_phone"])
    assert answer["message"] == f"验证码已发送至{data['contact_phone'][:3]}****{data['contact_phone'][-4:]}，10分钟内有效"

    bad = dict(data, credit_code=data["credit_code"][:17] + ("0" if data["credit_code"][17] != "0" else "1"))
    response = post(client, "/register", register_form(bad, code), content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "统一社会信用代码校验位不正确" in html
    assert 'class="field has-error" data-field="credit_code"' in html
    assert f'value="{data["name"]}"' in html  # what was typed stays
    assert PASSWORD not in html  # passwords are never echoed

    response = post(client, "/register", register_form(data, code), content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert data["username"] in client.get("/login").get_data(as_text=True)

    response = login_enterprise(client, data["username"])
    assert response.headers["Location"] == "/center"
    center = client.get("/center").get_data(as_text=True)
    for value in (data["name"], data["credit_code"], "南京市玄武区", data["contact_name"], data["contact_phone"]):
        assert value in center
    assert "双创基地" in center and 'href="/center/declarations"' in center and "认定申报" in center
    home = client.get("/").get_data(as_text=True)
    assert data["name"] in home and "退出" in home and "您好，请登录" not in home

    response = post(client, "/logout")
    assert response.status_code == 302
    assert client.get("/center").status_code == 302
    assert "您好，请登录" in client.get("/").get_data(as_text=True)


def test_no_code_for_a_phone_with_a_red_error(app, config):
    client = app.test_client()
    response = client.post(
        "/sms-code", json={"purpose": "register", "contact_phone": "12345"},
        headers={"X-CSRF-Token": csrf_token(client)},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"contact_phone": "请填写11位中国大陆手机号码"}
    # The same without script: the form comes back with the red message.
    response = post(client, "/register", {"contact_phone": "12345", "action": "send_code"})
    assert response.status_code == 422
    assert "请填写11位中国大陆手机号码" in response.get_data(as_text=True)
    # And a script request without the CSRF header is refused.
    assert client.post("/sms-code", json={"purpose": "register", "contact_phone": "13800000000"}).status_code == 400


def test_faq_existing_enterprise_and_taken_username_and_non_image_licence(app, config):
    client = app.test_client()
    first = register(client, config)

    again = registration_data(credit_code=first["credit_code"], username=first["username"])
    _, code = ask_code(client, config, again["contact_phone"])
    html = post(client, "/register", register_form(again, code), content_type="multipart/form-data").get_data(as_text=True)
    assert "该企业已存在" in html and "用户名已存在，请更换用户名" in html
    assert 'href="/forgot-username"' in html

    other = registration_data()
    _, code = ask_code(client, config, other["contact_phone"])
    response = post(client, "/register", register_form(other, code, licence=b"%PDF-1.7 not an image"), content_type="multipart/form-data")
    assert response.status_code == 422
    assert "请上传图片格式的营业执照" in response.get_data(as_text=True)


def test_forgot_username_page_answers_the_same_either_way(app, config, db_engine):
    client = app.test_client()
    data = register(client, config, registration_data(contact_phone="13811112222"))
    with db_engine(c.ACCOUNTS).begin() as conn:  # past the per-phone minute
        conn.execute(text("UPDATE sms_codes SET created_at = created_at - interval '2 minutes'"))
    with listen_events(config["AMQP_URI"], c.ACCOUNTS, c.SMS_REQUESTED) as events:
        hit = post(client, "/forgot-username", {"who": data["name"], "contact_phone": "13811112222"})
        [reminder] = events.wait(1)
    assert reminder["data"]["params"] == {"username": data["username"]}
    miss = post(client, "/forgot-username", {"who": "不存在公司", "contact_phone": "13811113333"})
    strip = lambda r: re.sub(r"138\*\*\*\*\d{4}|csrf[^>]*>", "", r.get_data(as_text=True))  # noqa: E731
    assert hit.status_code == miss.status_code == 200
    assert "如填写的信息与注册信息一致" in strip(hit)
    assert strip(hit) == strip(miss)


def test_change_password_keeps_this_browser_and_ends_the_others(app, config):
    client = app.test_client()
    data = register(client, config)
    login_enterprise(client, data["username"])
    other = app.test_client()
    login_enterprise(other, data["username"])

    wrong = post(client, "/center/password", {"old_password": "nope", "password": "NewPassw0rd", "password2": "NewPassw0rd"})
    assert wrong.status_code == 422 and "原密码不正确" in wrong.get_data(as_text=True)
    ok = post(client, "/center/password", {"old_password": PASSWORD, "password": "NewPassw0rd", "password2": "NewPassw0rd"})
    assert ok.status_code == 302
    assert client.get("/center").status_code == 200
    assert other.get("/center").status_code == 302
    login_enterprise(other, data["username"], "NewPassw0rd")


def test_staff_cannot_use_the_portal_and_enterprises_cannot_use_the_console(app, config):
    client = app.test_client()
    data = register(client, config)
    login_enterprise(client, data["username"])
    assert client.get("/console/").headers["Location"].startswith("/console/login")
    create_staff(config, "admin1")
    refused = post(client, "/login", {"username": "admin1", "password": PASSWORD})
    assert refused.status_code == 401


def test_admin_settles_an_appeal_in_the_console(app, config):
    client = app.test_client()
    data = register(client, config)
    new_phone = "13500005555"
    _, code = ask_code(client, config, new_phone, purpose="appeal", new_phone=new_phone)
    response = post(client, "/appeal", {
        "credit_code": data["credit_code"], "name": data["name"], "contact_name": "王五",
        "new_phone": new_phone, "sms_code": code, "note": "原手机号停用",
        "licence": (io.BytesIO(png_bytes()), "licence.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 200 and "申诉已提交" in response.get_data(as_text=True)

    create_staff(config, "admin1")
    admin = app.test_client()
    login_staff(admin, "admin1")
    listing = admin.get("/console/appeals").get_data(as_text=True)
    assert data["name"] in listing and "待处理" in listing
    appeal_id = re.search(r"/console/appeals/([0-9a-f-]{36})", listing).group(1)
    image = admin.get(f"/console/appeals/{appeal_id}/licence/appeal")
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
    assert client.get(f"/console/appeals/{appeal_id}/licence/appeal").status_code == 302

    response = post(admin, f"/console/appeals/{appeal_id}", {"decision": "accept", "note": "核实无误"})
    assert response.status_code == 302
    assert "已通过" in admin.get("/console/appeals").get_data(as_text=True)
    login_enterprise(client, data["username"])
    assert new_phone in client.get("/center").get_data(as_text=True)
