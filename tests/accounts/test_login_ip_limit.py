"""Failed logins per client address (across usernames) on the real
PostgreSQL, and through the accounts service on RabbitMQ."""
import datetime as dt

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy.orm import Session

from services.accounts import login, staff
from services.accounts.service import AccountsService
from services.common import contracts as c
from services.common.errors import RateLimited, Unauthenticated

T0 = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.timezone.utc)
PASSWORD = "Passw0rd!x"
SPRAYER, OTHER = "203.0.113.7", "198.51.100.9"


@pytest.fixture
def session(db_engine):
    with Session(db_engine(c.ACCOUNTS)) as s:
        yield s


@pytest.fixture
def admin(session):
    person = staff.create(session, "admin1", PASSWORD, "王管理", c.ADMIN, now=T0)
    session.commit()
    return person


def attempt(session, username, password, ip, at, limit=3):
    try:
        return login.authenticate(session, username, password, staff.STAFF_KINDS, ip=ip, now=at, ip_limit=limit)
    finally:
        session.rollback()  # as the worker does after an error; failures were committed


def test_an_address_trying_many_usernames_is_throttled_until_the_oldest_ages_out(session, admin):
    for i, name in enumerate(("zhang", "li")):
        with pytest.raises(Unauthenticated):
            attempt(session, name, "bad-pass1", SPRAYER, T0 + dt.timedelta(minutes=i))
    with pytest.raises(RateLimited) as third:
        attempt(session, "wang", "bad-pass1", SPRAYER, T0 + dt.timedelta(minutes=2))
    assert third.value.message == "该网络登录失败次数过多，请13分钟后再试" and third.value.retry_after == 13 * 60
    # Even the right password of an account nobody tried is refused from there...
    with pytest.raises(RateLimited):
        attempt(session, "admin1", PASSWORD, SPRAYER, T0 + dt.timedelta(minutes=3))
    # ...but not from another address,
    assert attempt(session, "admin1", PASSWORD, OTHER, T0 + dt.timedelta(minutes=3)).id == admin["id"]
    # and from the same address once the first failure is fifteen minutes old.
    assert attempt(session, "admin1", PASSWORD, SPRAYER, T0 + dt.timedelta(minutes=15)).id == admin["id"]


def test_failures_without_an_address_and_a_zero_limit_do_not_throttle_addresses(session, admin):
    for i in range(4):
        with pytest.raises(Unauthenticated):
            attempt(session, f"user{i}", "bad-pass1", None, T0)
        with pytest.raises(Unauthenticated):
            attempt(session, f"user{i}", "bad-pass1", SPRAYER, T0, limit=0)
    assert attempt(session, "admin1", PASSWORD, SPRAYER, T0, limit=0).id == admin["id"]


def test_the_service_counts_failures_per_address_from_its_configuration(container_factory, config, db_engine):
    config = {**config, c.ENV_LOGIN_FAILURES_PER_IP: "2"}
    with Session(db_engine(c.ACCOUNTS)) as s:
        staff.create(s, "admin1", PASSWORD, "王管理", c.ADMIN)
        s.commit()
    container_factory(AccountsService, config).start()
    with ServiceRpcProxy(c.ACCOUNTS, config) as accounts:
        with pytest.raises(Unauthenticated):
            accounts.login("zhang", "bad-pass1", "staff", SPRAYER)
        with pytest.raises(RateLimited) as second:
            accounts.login("li", "bad-pass1", "staff", SPRAYER)
        assert second.value.message == "该网络登录失败次数过多，请15分钟后再试"
        with pytest.raises(RateLimited):
            accounts.login("admin1", PASSWORD, "staff", SPRAYER)
        assert accounts.login("admin1", PASSWORD, "staff", OTHER)["account"]["username"] == "admin1"
