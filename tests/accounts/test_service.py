"""The accounts service on the real RabbitMQ and PostgreSQL: 注册 with the
SMS code read from the published sms_requested event and the licence in the
blob store, the FAQ answers, 忘记用户名, 忘记密码, contact change, 申诉, and
the principal checks of every RPC that reads an enterprise's data."""
import pytest
from sqlalchemy import text

from services.common import blobs, contracts as c
from services.common.errors import (
    BadState,
    Forbidden,
    RateLimited,
    Unauthenticated,
    ValidationFailed,
)
from services.common.principal import Principal
from tests.accounts.helpers import PASSWORD, register_by_rpc, registration_data
from tests.support.events import listen_events
from tests.support.web import png_bytes
from tests.accounts.fixtures import client, config, service  # noqa: F401


def age_sms(db_engine, minutes=2):
    """Move every SMS of the test into the past, past the per-phone interval."""
    with db_engine(c.ACCOUNTS).begin() as conn:
        conn.execute(text(f"UPDATE sms_codes SET created_at = created_at - interval '{int(minutes)} minutes'"))


def test_registration_end_to_end(client, config, db_engine):
    with listen_events(config["AMQP_URI"], c.ACCOUNTS, c.ENTERPRISE_REGISTERED) as registered:
        result, data = register_by_rpc(client, config)
        [event] = registered.wait(1)
    assert event["data"] == {"enterprise_id": result["id"], "region_code": "320102"}
    assert result["username"] == data["username"]

    me = Principal(c.ENTERPRISE, result["id"], "320102")
    summary = client.call(c.ACCOUNTS, "enterprise_summary", result["id"], principal=me)
    assert summary["name"] == data["name"] and summary["credit_code"] == data["credit_code"]
    assert summary["region_name"].endswith("玄武区")
    assert summary["contact_phone"] == data["contact_phone"]

    # The licence is kept re-encoded under a permanent key; no temp blob left.
    licence = client.call(c.ACCOUNTS, "enterprise_licence", result["id"], principal=me)
    assert licence["key"].startswith(f"licences/{result['id']}/")
    stored = blobs.blob_store(config).get(licence["key"])
    assert stored.startswith(b"\x89PNG")
    assert not [p for p in (blobs.blob_store(config).root / "tmp").rglob("*") if p.is_file()]

    # Login with the registered username and password.
    session = client.call(c.ACCOUNTS, "login", data["username"].upper(), PASSWORD, c.ENTERPRISE)
    resolved = client.call(c.ACCOUNTS, "resolve_session", session["token"])
    assert resolved["principal"] == {"kind": c.ENTERPRISE, "id": result["id"], "region_code": "320102", "level": None}
    assert resolved["account"]["display_name"] == data["name"]

    with db_engine(c.ACCOUNTS).connect() as conn:
        hashes = conn.execute(text("SELECT code_hash FROM sms_codes")).scalars().all()
    assert data["sms_code"] not in "".join(hashes)


def test_the_sms_event_carries_template_params_and_a_dedupe_key(client, config):
    with listen_events(config["AMQP_URI"], c.ACCOUNTS, c.SMS_REQUESTED) as events:
        answer = client.call(c.ACCOUNTS, "request_code", "register", {"contact_phone": "13812345678"}, "9.9.9.9")
        [envelope] = events.wait(1)
    assert answer == {"phone_masked": "138****5678", "minutes": 10}
    data = envelope["data"]
    assert data["phone"] == "13812345678"
    assert data["template"] == c.SMS_VERIFICATION_CODE
    assert data["params"]["minutes"] == 10 and len(data["params"]["code"]) == 6
    assert data["dedupe_key"].startswith("accounts:")
    with pytest.raises(RateLimited) as info:
        client.call(c.ACCOUNTS, "request_code", "register", {"contact_phone": "13812345678"}, "9.9.9.9")
    assert "秒后再获取" in info.value.message


def test_no_code_for_a_phone_with_an_error(client, config, db_engine):
    with pytest.raises(ValidationFailed) as info:
        client.call(c.ACCOUNTS, "request_code", "register", {"contact_phone": "1381234567"}, "9.9.9.9")
    assert info.value.errors == {"contact_phone": "请填写11位中国大陆手机号码"}
    with db_engine(c.ACCOUNTS).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox_events")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM sms_codes")).scalar() == 0


def test_no_code_while_any_field_of_the_registration_is_in_error(client, config, db_engine):
    """FAQ 2.5: the whole form as the page sent it is checked before a code
    is sent, with 该企业已存在 and 用户名已存在 (FAQ 2.2, 2.3)."""
    _first, taken = register_by_rpc(client, config)
    form = {k: v for k, v in registration_data().items() if k != "consent"}
    cases = (
        ({"name": ""}, {"name": "此项为必填项"}),
        ({"password2": "Other0ne!x"}, {"password2": "两次输入的密码不一致"}),
        ({"credit_code": taken["credit_code"]}, {"credit_code": "该企业已存在"}),
        ({"username": taken["username"]}, {"username": "用户名已存在，请更换用户名"}),
        ({"username": taken["username"], "contact_name": ""},
         {"username": "用户名已存在，请更换用户名", "contact_name": "此项为必填项"}),
    )
    with db_engine(c.ACCOUNTS).connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM sms_codes")).scalar()
    for change, errors in cases:
        with pytest.raises(ValidationFailed) as info:
            client.call(c.ACCOUNTS, "request_code", "register", {**form, **change}, "9.9.9.8")
        assert info.value.errors == errors
    with db_engine(c.ACCOUNTS).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sms_codes")).scalar() == before
    # the whole form right: the code is sent
    assert client.call(c.ACCOUNTS, "request_code", "register", form, "9.9.9.8")["minutes"] == 10
    # within the limits only: asking again at once looks nothing up
    with pytest.raises(RateLimited):
        client.call(c.ACCOUNTS, "request_code", "register", {**form, "username": taken["username"]}, "9.9.9.8")


def test_faq_answers_existing_enterprise_taken_username_and_non_image(client, config):
    first, data = register_by_rpc(client, config)

    again = registration_data(credit_code=data["credit_code"])
    with pytest.raises(ValidationFailed) as info:
        register_by_rpc(client, config, again)
    assert info.value.errors == {"credit_code": "该企业已存在"}

    taken = registration_data(username=data["username"])
    with pytest.raises(ValidationFailed) as info:
        register_by_rpc(client, config, taken)
    assert info.value.errors == {"username": "用户名已存在，请更换用户名"}

    # A PDF named like an image is still not an image.
    key = blobs.temp_key()
    blobs.blob_store(config).put(key, b"%PDF-1.4 fake", "image/png")
    other = registration_data()
    with pytest.raises(ValidationFailed) as info:
        client.call(c.ACCOUNTS, "register", {**other, "sms_code": "123456"}, key)
    assert info.value.errors == {"licence": "请上传图片格式的营业执照"}
    assert not blobs.blob_store(config).exists(key)

    with pytest.raises(ValidationFailed) as info:
        client.call(c.ACCOUNTS, "register", {**other, "sms_code": "123456", "credit_code": "91350100M000100Y44"}, None)
    assert info.value.errors["credit_code"] == "统一社会信用代码校验位不正确，请核对后重新填写"
    assert info.value.errors["licence"] == "请上传营业执照"


def test_a_wrong_code_does_not_register(client, config):
    data = registration_data()
    client.call(c.ACCOUNTS, "request_code", "register", {"contact_phone": data["contact_phone"]})
    key = blobs.temp_key()
    blobs.blob_store(config).put(key, png_bytes(), "image/png")
    with pytest.raises(ValidationFailed) as info:
        client.call(c.ACCOUNTS, "register", {**data, "sms_code": "000000"}, key)
    assert info.value.errors in ({"sms_code": "短信验证码不正确"},)
    with pytest.raises(Unauthenticated):
        client.call(c.ACCOUNTS, "login", data["username"], PASSWORD, c.ENTERPRISE)


def test_enterprise_data_is_for_the_enterprise_staff_and_services(client, config):
    a, _ = register_by_rpc(client, config)
    b, _ = register_by_rpc(client, config)
    with pytest.raises(Forbidden):
        client.call(c.ACCOUNTS, "enterprise_summary", a["id"], principal=Principal(c.ENTERPRISE, b["id"]))
    with pytest.raises(Unauthenticated):
        client.call(c.ACCOUNTS, "enterprise_summary", a["id"])
    reviewer = Principal(c.REVIEWER, "r1", "320102", c.COUNTY)
    assert client.call(c.ACCOUNTS, "enterprise_summary", a["id"], principal=reviewer)["id"] == a["id"]
    system = Principal(c.SYSTEM, c.DECLARATIONS)  # another service: signed with the services' own key
    from nameko.standalone.rpc import ServiceRpcProxy

    from services.common import principal as principals

    context = {c.PRINCIPAL_CONTEXT_KEY: principals.sign(system, config)}
    with ServiceRpcProxy(c.ACCOUNTS, config, context_data=context) as accounts:
        assert accounts.enterprise_summary(a["id"])["id"] == a["id"]
    with pytest.raises(Forbidden):
        client.call(c.ACCOUNTS, "list_appeals", principal=reviewer)


def test_forgot_username_answers_the_same_either_way(client, config, db_engine):
    result, data = register_by_rpc(client, config)
    age_sms(db_engine)
    with listen_events(config["AMQP_URI"], c.ACCOUNTS, c.SMS_REQUESTED) as events:
        hit = client.call(c.ACCOUNTS, "forgot_username", {"who": data["credit_code"], "contact_phone": data["contact_phone"]}, "1.1.1.1")
        miss = client.call(c.ACCOUNTS, "forgot_username", {"who": "不存在的企业", "contact_phone": "13900000001"}, "1.1.1.1")
        [envelope] = events.wait(1)
    assert set(hit) == set(miss) == {"phone_masked"}
    assert envelope["data"]["template"] == c.SMS_USERNAME_REMINDER
    assert envelope["data"]["params"] == {"username": data["username"]}
    assert envelope["data"]["phone"] == data["contact_phone"]
    # The miss asked for nothing (the outbox row would be committed before
    # the reply), yet it counted towards the limits like the hit.
    assert sms_outbox_phones(db_engine) == [data["contact_phone"]] * 2
    with db_engine(c.ACCOUNTS).connect() as conn:
        counted = conn.execute(text("SELECT phone FROM sms_codes WHERE purpose = 'username'")).scalars().all()
    assert sorted(counted) == sorted([data["contact_phone"], "13900000001"])


def sms_outbox_phones(db_engine):
    with db_engine(c.ACCOUNTS).connect() as conn:
        payloads = conn.execute(
            text("SELECT payload FROM outbox_events WHERE event_type = :t ORDER BY created_at"),
            {"t": c.SMS_REQUESTED},
        ).scalars().all()
    return [p["data"]["phone"] for p in payloads]


def test_forgot_password_ends_every_session(client, config, db_engine):
    result, data = register_by_rpc(client, config)
    age_sms(db_engine)
    token = client.call(c.ACCOUNTS, "login", data["username"], PASSWORD, c.ENTERPRISE)["token"]
    phone = data["contact_phone"]
    with listen_events(config["AMQP_URI"], c.ACCOUNTS, c.SMS_REQUESTED) as events:
        client.call(c.ACCOUNTS, "request_code", "reset_password", {"username": data["username"], "contact_phone": phone})
        [envelope] = events.wait(1)
        # A wrong phone gets the same answer and no SMS.
        wrong = client.call(c.ACCOUNTS, "request_code", "reset_password", {"username": data["username"], "contact_phone": "13900000002"})
    assert wrong == {"phone_masked": "139****0002", "minutes": 10}
    assert "13900000002" not in sms_outbox_phones(db_engine)
    code = envelope["data"]["params"]["code"]
    with pytest.raises(ValidationFailed) as info:
        client.call(c.ACCOUNTS, "reset_password", {"username": data["username"], "contact_phone": phone, "sms_code": code, "password": "NewPassw0rd", "password2": "Different1"})
    assert info.value.errors == {"password2": "两次输入的密码不一致"}
    client.call(c.ACCOUNTS, "reset_password", {"username": data["username"], "contact_phone": phone, "sms_code": code, "password": "NewPassw0rd", "password2": "NewPassw0rd"})
    assert client.call(c.ACCOUNTS, "resolve_session", token) is None
    with pytest.raises(Unauthenticated):
        client.call(c.ACCOUNTS, "login", data["username"], PASSWORD, c.ENTERPRISE)
    assert client.call(c.ACCOUNTS, "login", data["username"], "NewPassw0rd", c.ENTERPRISE)["token"]


def test_change_contact_needs_a_code_sent_to_the_new_phone(client, config):
    result, data = register_by_rpc(client, config)
    me = Principal(c.ENTERPRISE, result["id"], "320102")
    with listen_events(config["AMQP_URI"], c.ACCOUNTS, c.SMS_REQUESTED) as events:
        client.call(c.ACCOUNTS, "request_code", "change_phone", {"contact_phone": "13700001111"}, principal=me)
        [envelope] = events.wait(1)
    assert envelope["data"]["phone"] == "13700001111"
    with pytest.raises(Forbidden):
        client.call(c.ACCOUNTS, "request_code", "change_phone", {"contact_phone": "13700001112"})
    updated = client.call(
        c.ACCOUNTS, "change_contact",
        {"contact_name": "李四", "contact_phone": "13700001111", "sms_code": envelope["data"]["params"]["code"]},
        principal=me,
    )
    assert updated["contact_name"] == "李四" and updated["contact_phone"] == "13700001111"


def test_appeal_settled_by_an_admin_changes_the_contact_and_sends_the_username(client, config):
    result, data = register_by_rpc(client, config)
    token = client.call(c.ACCOUNTS, "login", data["username"], PASSWORD, c.ENTERPRISE)["token"]
    new_phone = "13600002222"
    with listen_events(config["AMQP_URI"], c.ACCOUNTS, c.SMS_REQUESTED) as events:
        client.call(c.ACCOUNTS, "request_code", "appeal", {"new_phone": new_phone})
        [envelope] = events.wait(1)
    key = blobs.temp_key()
    blobs.blob_store(config).put(key, png_bytes(color=(0, 0, 255)), "image/png")
    appeal = client.call(c.ACCOUNTS, "submit_appeal", {
        "credit_code": data["credit_code"], "name": data["name"], "contact_name": "王五",
        "new_phone": new_phone, "sms_code": envelope["data"]["params"]["code"], "note": "原手机号已停用",
    }, key)
    admin = Principal(c.ADMIN, "admin-1")
    [listed] = client.call(c.ACCOUNTS, "list_appeals", principal=admin)
    assert listed["id"] == appeal["id"] and listed["enterprise_name"] == data["name"]
    assert listed["status_label"] == "待处理"
    with listen_events(config["AMQP_URI"], c.ACCOUNTS, c.SMS_REQUESTED) as events:
        settled = client.call(c.ACCOUNTS, "settle_appeal", appeal["id"], True, "核实无误", principal=admin)
        [reminder] = events.wait(1)
    assert settled["status"] == "accepted"
    assert reminder["data"]["phone"] == new_phone
    assert reminder["data"]["params"] == {"username": data["username"]}
    summary = client.call(c.ACCOUNTS, "enterprise_summary", result["id"], principal=admin)
    assert summary["contact_phone"] == new_phone and summary["contact_name"] == "王五"
    assert client.call(c.ACCOUNTS, "resolve_session", token) is None
    with pytest.raises(BadState):
        client.call(c.ACCOUNTS, "settle_appeal", appeal["id"], False, "", principal=admin)
