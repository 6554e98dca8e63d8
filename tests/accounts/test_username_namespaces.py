"""注册 does not reveal staff usernames (enterprise and staff usernames are
separate namespaces; 用户名已存在 stays for enterprise names, FAQ 2.3), and
failed logins from many addresses cannot lock an account out of a correct
login from its usual address (ASVS 2.2.1; the scheme is in login.py and
docs/login-throttling.md)."""
import datetime as dt

import pytest
from sqlalchemy.orm import Session

from services.accounts import login, staff
from services.common import contracts as c
from services.common.errors import RateLimited, Unauthenticated, ValidationFailed
from tests.accounts.helpers import register_by_rpc, registration_data
from tests.accounts.fixtures import client, config, service  # noqa: F401  (fixtures)


T0 = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.timezone.utc)
PASSWORD = "Passw0rd!x"
HOME = "198.51.100.7"


@pytest.fixture
def session(db_engine):
    with Session(db_engine(c.ACCOUNTS)) as s:
        yield s


@pytest.fixture
def reviewer(session):
    person = staff.create(session, "xuanwu", PASSWORD, "玄武审核员", c.REVIEWER, level=c.COUNTY,
                          region_code="320102", now=T0)
    session.commit()
    return person


ACCOUNT_LIMIT = 12  # login.MAX_ACCOUNT_FAILURES in production; fewer tries keep the test short


def attempt(session, username, password, ip, minutes, kinds=staff.STAFF_KINDS):
    try:
        return login.authenticate(session, username, password, kinds, ip=ip, now=T0 + dt.timedelta(minutes=minutes),
                                  ip_limit=1000, account_limit=ACCOUNT_LIMIT)
    finally:
        session.commit()


def test_registering_a_staff_username_neither_fails_nor_touches_the_staff_account(session, reviewer, client, config):
    data = registration_data(username="xuanwu")
    result, _ = register_by_rpc(client, config, data)
    assert result["username"] == "xuanwu"  # nothing tells that a reviewer is called so
    with pytest.raises(ValidationFailed) as taken:
        register_by_rpc(client, config, registration_data(username="xuanwu"))
    assert taken.value.errors == {"username": "用户名已存在，请更换用户名"}  # FAQ 2.3, among enterprises
    session.expire_all()
    assert attempt(session, "xuanwu", PASSWORD, HOME, 1).id == reviewer["id"]  # the console logs the reviewer in
    enterprise = attempt(session, "xuanwu", data["password"], HOME, 2, kinds=(c.ENTERPRISE,))
    assert enterprise.kind == c.ENTERPRISE and enterprise.id != reviewer["id"]


def test_portal_failures_never_count_against_a_staff_account(session, reviewer):
    for i in range(login.MAX_FAILURES + 1):
        with pytest.raises((Unauthenticated, RateLimited)):
            attempt(session, "xuanwu", "wrong-pass1", HOME, i / 10, kinds=(c.ENTERPRISE,))
    assert attempt(session, "xuanwu", PASSWORD, HOME, 1).id == reviewer["id"]


def test_failures_from_many_addresses_do_not_lock_out_the_usual_address(session, reviewer):
    assert attempt(session, "xuanwu", PASSWORD, HOME, 0)  # the reviewer's usual address
    for i in range(ACCOUNT_LIMIT + 3):  # a botnet, one try per address
        with pytest.raises((Unauthenticated, RateLimited)):
            attempt(session, "xuanwu", "guess-pass1", f"203.0.113.{i}", 1 + i / 100)
    # The owner, from where they always log in, is let in at once.
    assert attempt(session, "xuanwu", PASSWORD, HOME, 3).id == reviewer["id"]
    # Guessing from yet another address is capped for the whole account meanwhile.
    with pytest.raises(RateLimited) as capped:
        attempt(session, "xuanwu", PASSWORD, "192.0.2.50", 3)
    assert capped.value.message.startswith("密码错误次数过多")


def test_five_failures_throttle_the_address_they_came_from_only(session, reviewer):
    for i in range(login.MAX_FAILURES - 1):
        with pytest.raises(Unauthenticated):
            attempt(session, "xuanwu", "wrong-pass1", "203.0.113.9", i)
    with pytest.raises(RateLimited):
        attempt(session, "xuanwu", "wrong-pass1", "203.0.113.9", 4)
    with pytest.raises(RateLimited):
        attempt(session, "xuanwu", PASSWORD, "203.0.113.9", 5)
    assert attempt(session, "xuanwu", PASSWORD, HOME, 5).id == reviewer["id"]  # a first login from here too
