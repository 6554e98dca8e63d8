"""The notify service on the real RabbitMQ and PostgreSQL: sms_requested
events published to the producers' exchanges become messages sent once, through
the console provider and through our own SMS gateway on loopback (outage and
recovery, unknown outcomes, a restart mid-send); the admin RPCs."""
from datetime import timedelta

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import update

from services.common import contracts as c
from services.common import principal as principals
from services.common.errors import Forbidden, Unauthenticated, ValidationFailed
from services.notify import sending
from services.notify.models import REFUSED, SENDING, SENT, UNKNOWN, Message
from services.notify.service import NotifyService
from tests.notify.helpers import FAST, messages, processed, publish, sms, states, wait_for
from tests.support.identifiers import phone_number
from tests.support.sms_gateway import ERROR, HANG, OK, SmsGateway


@pytest.fixture
def engine(db_engine):
    return db_engine(c.NOTIFY)


@pytest.fixture
def gateway():
    with SmsGateway(hang_seconds=1.5) as gw:
        yield gw


def test_requests_from_accounts_and_declarations_reach_the_dev_outbox_once(container_factory, config, engine):
    container_factory(NotifyService, {**config, **FAST}).start()
    code = sms()
    returned = sms(template=c.SMS_DECLARATION_RETURNED, params={"reason": "注册地区填写有误"})
    publish(config, c.ACCOUNTS, code)
    first = publish(config, c.DECLARATIONS, returned)
    # Redelivered: the same event again, and the same request in a new event.
    publish(config, c.DECLARATIONS, returned, event_id=first["event_id"])
    publish(config, c.DECLARATIONS, returned)
    wait_for(lambda: processed(engine) == 3, what="three distinct events handled")
    wait_for(lambda: set(states(engine).values()) == {SENT}, what="messages sent")
    assert set(messages(engine)) == {code["dedupe_key"], returned["dedupe_key"]}

    with ServiceRpcProxy(c.NOTIFY, config) as notify:
        outbox_rows = notify.dev_outbox()
        assert sorted(r["message_id"] for r in outbox_rows) == sorted(
            [code["dedupe_key"], returned["dedupe_key"]]
        )
        [mine] = notify.dev_outbox(returned["phone"])
    assert mine["text"] == "您的双创基地认定申报已被退回，原因：注册地区填写有误，请登录修改后重新提交"
    assert mine["phone"] == returned["phone"]


def test_outage_then_recovery_delivers_everything_once(container_factory, config, engine, gateway):
    container_factory(NotifyService, {**config, **FAST, **gateway.settings()}).start()
    gateway.mode = ERROR
    requests_ = [sms() for _ in range(4)] + [
        sms(template=c.SMS_DECLARATION_APPROVED, params={"base_name": "南京玄武科技创业园"})
    ]
    for i, data in enumerate(requests_):
        publish(config, c.ACCOUNTS if i % 2 else c.DECLARATIONS, data)
    keys = [d["dedupe_key"] for d in requests_]
    # The gateway is down: every message is refused at least twice.
    wait_for(lambda: all(gateway.seen(k) >= 2 for k in keys), what="retries during the outage")
    assert gateway.delivered == []
    gateway.mode = OK
    wait_for(lambda: set(states(engine).values()) == {SENT} and len(states(engine)) == 5, what="all sent")
    assert sorted(gateway.delivered_ids()) == sorted(keys)
    assert all(m.attempts >= 3 for m in messages(engine).values())


def test_a_timeout_is_unknown_then_retried_without_a_second_delivery(container_factory, config, engine, gateway):
    container_factory(
        NotifyService, {**config, **FAST, **gateway.settings(), c.ENV_SMS_TIMEOUT: "0.3"}
    ).start()
    gateway.mode = HANG
    data = sms()
    publish(config, c.ACCOUNTS, data)
    key = data["dedupe_key"]
    wait_for(lambda: states(engine).get(key) == UNKNOWN, what="an unknown outcome")
    gateway.mode = OK
    wait_for(lambda: states(engine).get(key) == SENT, what="sent")
    assert gateway.seen(key) >= 2
    assert gateway.delivered_ids() == [key]
    assert messages(engine)[key].maybe_sent is True


def test_a_restart_mid_send_does_not_deliver_twice(container_factory, config, engine, gateway):
    settings = {**config, **FAST, **gateway.settings(), c.ENV_SMS_TIMEOUT: "10"}
    gateway.hang_seconds = 5
    gateway.mode = HANG
    first = container_factory(NotifyService, settings)
    first.start()
    data = sms()
    key = data["dedupe_key"]
    publish(config, c.ACCOUNTS, data)
    wait_for(lambda: gateway.seen(key) == 1, what="the first send to reach the gateway")
    first.kill()  # dies waiting for the answer
    assert states(engine)[key] == SENDING
    # Time passes beyond the lease of the dead sender.
    lease = sending.settings(settings).sending_lease
    with engine.begin() as conn:
        conn.execute(
            update(Message)
            .where(Message.dedupe_key == key)
            .values(sending_since=Message.sending_since - timedelta(seconds=lease + 1))
        )
    gateway.mode = OK
    container_factory(NotifyService, settings).start()
    wait_for(lambda: states(engine).get(key) == SENT, what="sent after the restart")
    assert gateway.seen(key) == 2
    assert gateway.delivered_ids() == [key]


def test_per_phone_limits_hold_whoever_asks(container_factory, config, engine):
    container_factory(NotifyService, {**config, **FAST, c.ENV_SMS_PER_PHONE_PER_MINUTE: "2"}).start()
    phone = phone_number()
    publish(config, c.ACCOUNTS, sms(phone))
    publish(config, c.DECLARATIONS, sms(phone, template=c.SMS_DECLARATION_REJECTED, params={"reason": "不符合条件"}))
    publish(config, c.ACCOUNTS, sms(phone))
    publish(config, c.ACCOUNTS, sms())
    wait_for(lambda: processed(engine) == 4, what="four events handled")
    mine = [m for m in messages(engine).values() if m.phone == phone]
    assert sorted(m.state for m in mine).count(REFUSED) == 1
    assert len(mine) == 3


def admin_proxy(config, kind=c.ADMIN):
    token = principals.sign(principals.Principal(kind=kind, id="p1"), config)
    return ServiceRpcProxy(c.NOTIFY, config, context_data={c.PRINCIPAL_CONTEXT_KEY: token})


def test_list_messages_is_for_admins_and_masks_phones(container_factory, config, engine):
    container_factory(NotifyService, {**config, **FAST}).start()
    publish(config, c.ACCOUNTS, sms("13812341234"))
    publish(config, c.DECLARATIONS, sms("13912345678", template="nope"))
    wait_for(lambda: processed(engine) == 2, what="two events handled")

    with ServiceRpcProxy(c.NOTIFY, config) as anonymous:
        with pytest.raises(Unauthenticated):
            anonymous.list_messages()
    with admin_proxy(config, c.REVIEWER) as reviewer:
        with pytest.raises(Forbidden):
            reviewer.list_messages()
    with admin_proxy(config) as admin:
        page = admin.list_messages({}, 1)
        assert page["total"] == 2 and page["pages"] == 1
        assert {row["phone"] for row in page["items"]} == {"138****1234", "139****5678"}
        assert "13812341234" not in repr(page)
        refused = admin.list_messages({"state": REFUSED})["items"]
        assert [(r["phone"], r["state_label"], r["last_error"]) for r in refused] == [
            ("139****5678", "已拒绝", "未知的短信模板：nope")
        ]
        one = admin.list_messages({"phone": "13812341234"})["items"]
        assert [(r["template"], r["template_label"], r["source"]) for r in one] == [
            (c.SMS_VERIFICATION_CODE, "验证码", c.ACCOUNTS)
        ]
        assert admin.list_messages({"date_to": "2000-01-01"})["total"] == 0
        with pytest.raises(ValidationFailed) as err:
            admin.list_messages({"date_from": "yesterday", "state": "lost"})
        assert set(err.value.errors) == {"date_from", "state"}


def test_dev_outbox_refuses_in_production(container_factory, config, gateway):
    production = {
        **config,
        **gateway.settings(),
        c.ENV_APP_ENV: "production",
        c.ENV_PRINCIPAL_SECRET: "a-production-secret",
        c.ENV_SYSTEM_PRINCIPAL_SECRET: "a-production-system-secret",
    }
    container_factory(NotifyService, production).start()
    with ServiceRpcProxy(c.NOTIFY, production) as notify:
        with pytest.raises(Forbidden):
            notify.dev_outbox()


def test_the_console_provider_stops_the_service_from_starting_in_production(container_factory, config):
    production = {**config, c.ENV_APP_ENV: "production", c.ENV_PRINCIPAL_SECRET: "a-production-secret",
                  c.ENV_SYSTEM_PRINCIPAL_SECRET: "a-production-system-secret"}
    container = container_factory(NotifyService, production)
    # The startup guard refuses first, naming every missing SMS setting.
    with pytest.raises(RuntimeError, match="SMS_PROVIDER must be http in production") as refused:
        container.start()
    assert "SMS_HTTP_URL" in str(refused.value)


def test_a_code_asked_of_accounts_is_sent_once_through_the_bus(container_factory, config, engine, tmp_path):
    """The real producer: accounts' 获取验证码 emits sms_requested from its
    outbox; notify sends it through the console provider."""
    from services.accounts.service import AccountsService

    accounts_config = {**config, c.ENV_BLOB_DIR: str(tmp_path / "blobs")}
    container_factory(AccountsService, accounts_config).start()
    container_factory(NotifyService, {**config, **FAST}).start()
    phone = phone_number()
    with ServiceRpcProxy(c.ACCOUNTS, config) as accounts:
        accounts.request_code("register", {"contact_phone": phone}, "10.0.0.1")
    [message] = wait_for(lambda: list(messages(engine).values()), what="the code's message")
    assert message.source == c.ACCOUNTS and message.dedupe_key.startswith("accounts:")
    wait_for(lambda: states(engine)[message.dedupe_key] == SENT, what="the code sent")
    with ServiceRpcProxy(c.NOTIFY, config) as notify:
        [entry] = notify.dev_outbox(phone)
    assert entry["message_id"] == message.dedupe_key
    assert entry["text"].startswith("您的验证码为") and "10分钟内有效" in entry["text"]


SLOW_TIMER = {c.ENV_SMS_POLL_INTERVAL: "60"}


def test_a_message_is_sent_when_its_request_is_handled_not_on_the_timer(container_factory, config, engine, gateway):
    # The timer sweeps once at start, then not for a minute: only a send on
    # arrival reaches the provider within the wait.
    container_factory(NotifyService, {**config, **gateway.settings(), **SLOW_TIMER}).start()
    data = sms()
    publish(config, c.ACCOUNTS, data)
    key = data["dedupe_key"]
    wait_for(lambda: gateway.delivered_ids() == [key], what="the message at the provider")
    wait_for(lambda: states(engine).get(key) == SENT, what="recorded as sent")
    stored = messages(engine)[key]
    assert stored.attempts == 1 and "246810" not in (stored.text or "")  # the code masked once sent


def test_a_failed_first_send_is_left_to_the_retry_timer(container_factory, config, engine, gateway):
    gateway.mode = ERROR
    first = container_factory(NotifyService, {**config, **gateway.settings(), **SLOW_TIMER})
    first.start()
    data = sms(template=c.SMS_DECLARATION_RETURNED, params={"reason": "附件不清晰"})
    key = data["dedupe_key"]
    publish(config, c.DECLARATIONS, data)
    wait_for(lambda: gateway.seen(key) == 1, what="the send on arrival")
    wait_for(lambda: messages(engine)[key].next_attempt_at is not None, what="a retry scheduled")
    stored = messages(engine)[key]
    assert (stored.state, stored.attempts) == ("queued", 1)
    first.stop()
    gateway.mode = OK
    container_factory(NotifyService, {**config, **FAST, **gateway.settings()}).start()
    wait_for(lambda: states(engine).get(key) == SENT, what="sent by a retry")
    assert gateway.delivered_ids() == [key]
    assert messages(engine)[key].attempts >= 2
