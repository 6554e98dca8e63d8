"""The shared test helpers do what later tests rely on."""
import random

import pytest
from kombu import Connection
from sqlalchemy import create_engine, text

from services.common import contracts as c
from services.common import outbox, validators
from tests.support import database, rabbit
from tests.support.events import listen_events, read_events, sms_requests
from tests.support.identifiers import credit_code, phone_number


def test_credit_code_completes_a_known_code():
    assert credit_code("91350100M000100Y4") == "91350100M000100Y43"


def test_random_credit_codes_pass_the_production_check():
    rng = random.Random(7)
    codes = {credit_code(rng=rng) for _ in range(200)}
    assert len(codes) == 200
    assert all(validators.credit_code(code) is None for code in codes)
    assert all(code.startswith("91320102") for code in codes)


@pytest.mark.parametrize("prefix", ["9135010", "91350100M000100YI", "91350100M000100Y43"])
def test_credit_code_refuses_a_bad_prefix(prefix):
    with pytest.raises(ValueError):
        credit_code(prefix)


def test_phone_numbers_are_valid_mobiles():
    rng = random.Random(3)
    assert all(validators.mobile(phone_number(rng)) is None for _ in range(200))


def test_a_vhost_is_made_usable_and_removed():
    vhost, uri = rabbit.create_vhost()
    try:
        with Connection(uri) as conn:
            conn.ensure_connection(max_retries=1)
    finally:
        rabbit.delete_vhost(vhost)
    with pytest.raises(Exception), Connection(uri) as conn:
        conn.ensure_connection(max_retries=1)


def test_a_database_is_made_and_dropped():
    url = database.create_database()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
        database.drop_database(url)
    admin = create_engine(database.ADMIN_URL)
    with admin.connect() as conn:
        names = conn.execute(text("SELECT datname FROM pg_database")).scalars().all()
    admin.dispose()
    assert url.rsplit("/", 1)[1] not in names


def publish(config, source, event_type, data):
    exchange = outbox.event_exchange(source)
    outbox.publisher(config).publish(
        outbox.envelope(data), exchange=exchange, routing_key=event_type, declare=[exchange]
    )


def test_events_are_read_as_published_and_filtered_by_type(config):
    uri = config["AMQP_URI"]
    with listen_events(uri, "accounts", "sms_requested") as events:
        publish(config, "accounts", "enterprise_registered", {"enterprise_id": 1})
        publish(config, "accounts", "sms_requested", {"phone": "13900000001", "params": {"code": "1"}})
        publish(config, "accounts", "sms_requested", {"phone": "13900000002", "params": {"code": "2"}})
        received = events.wait(2)
    assert [e["data"]["phone"] for e in received] == ["13900000001", "13900000002"]
    assert all(set(e) == set(c.ENVELOPE_FIELDS) for e in received)
    assert sms_requests(received, phone="13900000002") == [received[1]["data"]]


def test_read_events_runs_the_action_while_listening(config):
    uri = config["AMQP_URI"]
    received = read_events(
        uri, "declarations", "sms_requested",
        lambda: publish(config, "declarations", "sms_requested", {"phone": "13900000003"}),
    )
    assert sms_requests(received) == [{"phone": "13900000003"}]


def test_waiting_for_an_event_that_never_comes_fails(config):
    with listen_events(config["AMQP_URI"], "accounts", "sms_requested") as events:
        publish(config, "accounts", "enterprise_registered", {"enterprise_id": 1})
        with pytest.raises(AssertionError, match="expected 1 event"):
            events.wait(1, timeout=0.5)


def test_emptying_the_tables_ends_what_a_killed_service_left_holding_a_lock(pg_database):
    """A container killed at a test's teardown can leave its transaction open
    on the server, holding row locks: emptying the tables for the next test
    must neither wait on it for ever nor fail."""
    from tests.conftest import truncate_all

    leftover = create_engine(pg_database)
    with leftover.begin() as setup:
        setup.execute(text("CREATE TABLE IF NOT EXISTS accounts.probe (value text)"))
    conn = leftover.connect()
    try:
        conn.execute(text("INSERT INTO accounts.probe (value) VALUES ('held')"))
        conn.execute(text("SELECT * FROM accounts.probe FOR UPDATE"))  # idle in transaction, locks held
        truncate_all(pg_database)
        check = create_engine(pg_database)
        with check.connect() as other:
            assert other.execute(text("SELECT count(*) FROM accounts.probe")).scalar() == 0
        check.dispose()
    finally:
        conn.invalidate()
        leftover.dispose()
