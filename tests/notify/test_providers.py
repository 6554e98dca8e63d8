"""Provider adapters against our own SMS gateway on loopback (a real HTTP
server, not a mock of requests): signatures, outcomes, configuration."""
import pytest
import requests

from services.common import config as cfg
from services.common import contracts as c
from services.notify import providers
from tests.support.sms_gateway import BUSY, ERROR, HANG, SmsGateway
from tests.support.system import free_port

PHONE = "13812341234"


@pytest.fixture
def gateway():
    with SmsGateway(hang_seconds=1.0) as gw:
        yield gw


def http_provider(gw, secret=None, timeout=2.0):
    return providers.HttpProvider(gw.url, gw.app_key, secret or gw.app_secret, timeout=timeout)


def send(provider, message_id="accounts:code:1"):
    return provider.send(message_id, PHONE, "SMS_SME_0001", {"code": "123456", "minutes": "10"}, "您的验证码为123456")


def test_a_signed_request_is_delivered_with_the_dedupe_key_as_message_id(gateway):
    provider = http_provider(gateway)
    result = send(provider, "accounts:code:42")
    assert result == providers.Result(providers.SENT, reference="accounts:code:42")
    [delivered] = gateway.delivered
    assert delivered == {
        "message_id": "accounts:code:42",
        "phone": PHONE,
        "template_code": "SMS_SME_0001",
        "params": {"code": "123456", "minutes": "10"},
        "content": "您的验证码为123456",
    }
    provider.close()


def test_a_wrong_secret_is_refused_for_good_and_nothing_is_sent(gateway):
    result = send(http_provider(gateway, secret="not-the-secret"))
    assert result.outcome == providers.REJECTED
    assert "401" in result.error
    assert gateway.delivered == []


def test_a_body_changed_after_signing_is_refused(gateway):
    provider = http_provider(gateway)
    body, headers = provider.request("m1", PHONE, "SMS_SME_0001", {}, "原文")
    tampered = body.replace("原文".encode(), "改文".encode())
    assert requests.post(gateway.url, data=tampered, headers=headers, timeout=5).status_code == 401
    assert requests.post(gateway.url, data=body, headers=headers, timeout=5).status_code == 200
    assert [m["content"] for m in gateway.delivered] == ["原文"]


def test_the_signature_is_hmac_sha256_over_timestamp_and_body():
    import hashlib
    import hmac

    sig = providers.signature("secret", "1700000000", b'{"a":1}')
    assert sig == hmac.new(b"secret", b'1700000000\n{"a":1}', hashlib.sha256).hexdigest()


@pytest.mark.parametrize("mode, status", [(ERROR, "500"), (BUSY, "429")])
def test_a_gateway_refusing_for_now_means_retry(gateway, mode, status):
    gateway.mode = mode
    result = send(http_provider(gateway))
    assert result.outcome == providers.RETRY and status in result.error
    assert gateway.delivered == []


def test_no_answer_in_time_is_unknown_and_the_same_id_again_is_dropped_by_the_gateway(gateway):
    provider = http_provider(gateway, timeout=0.3)
    gateway.mode = HANG
    assert send(provider, "declarations:returned:7").outcome == providers.UNKNOWN
    gateway.mode = "ok"
    result = send(provider, "declarations:returned:7")
    assert result.outcome == providers.SENT
    assert gateway.delivered_ids() == ["declarations:returned:7"]
    assert gateway.seen("declarations:returned:7") == 2


def test_an_unreachable_gateway_means_retry():
    provider = providers.HttpProvider(f"http://127.0.0.1:{free_port()}/sms", "k", "s", timeout=1)
    result = send(provider)
    assert result.outcome == providers.RETRY and "unreachable" in result.error


def test_the_console_provider_is_refused_in_production(db_engine):
    production = {c.ENV_APP_ENV: "production", c.ENV_SMS_PROVIDER: "console"}
    with pytest.raises(RuntimeError, match="SMS_PROVIDER must be http in production"):
        providers.make_provider(production, db_engine(c.NOTIFY))
    assert any(c.ENV_SMS_PROVIDER in p for p in cfg.check_production(production, c.NOTIFY))
    assert not any(
        c.ENV_SMS_PROVIDER in p
        for p in cfg.check_production({**production, c.ENV_SMS_PROVIDER: "http"}, c.NOTIFY)
    )


def test_the_http_provider_needs_its_settings(gateway):
    with pytest.raises(ValueError, match="SMS_APP_SECRET"):
        providers.make_provider({c.ENV_SMS_PROVIDER: "http", c.ENV_SMS_HTTP_URL: gateway.url, c.ENV_SMS_APP_KEY: "k"}, None)
    provider = providers.make_provider({**gateway.settings(), c.ENV_SMS_TIMEOUT: "3"}, None)
    assert isinstance(provider, providers.HttpProvider) and provider.timeout == 3.0
    with pytest.raises(ValueError, match="must be one of"):
        providers.make_provider({c.ENV_SMS_PROVIDER: "carrier-pigeon"}, None)


def test_the_console_provider_logs_and_keeps_each_message_id_once(db_engine, caplog):
    from sqlalchemy import select

    from services.notify.models import DevOutboxEntry

    engine = db_engine(c.NOTIFY)
    provider = providers.make_provider({}, engine)
    caplog.set_level("INFO", logger="services.notify.providers")
    assert send(provider, "k1").outcome == providers.SENT
    assert send(provider, "k1").outcome == providers.SENT
    with engine.connect() as conn:
        rows = conn.execute(select(DevOutboxEntry.message_id, DevOutboxEntry.phone)).all()
    assert rows == [("k1", PHONE)]
    assert "138****1234" in caplog.text and PHONE not in caplog.text


def test_phones_are_masked():
    assert providers.mask_phone("13812341234") == "138****1234"
    assert providers.mask_phone("025-83334567") == "025*****4567"
    assert providers.mask_phone("123") == "***"
