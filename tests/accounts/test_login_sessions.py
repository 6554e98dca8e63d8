"""Login throttling, password hashing and session expiry on the real
PostgreSQL schema of accounts."""
import datetime as dt

import pytest
from sqlalchemy.orm import Session

from services.accounts import login, passwords, sessions, staff
from services.common import contracts as c
from services.common.errors import Forbidden, RateLimited, Unauthenticated

T0 = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.timezone.utc)
PASSWORD = "Passw0rd!x"


@pytest.fixture
def session(db_engine):
    with Session(db_engine(c.ACCOUNTS)) as s:
        yield s


@pytest.fixture
def admin(session):
    person = staff.create(session, "Admin1", PASSWORD, "王管理", c.ADMIN, now=T0)
    session.commit()
    return person


def test_passwords_are_argon2id_hashes():
    hashed = passwords.hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert passwords.verify(hashed, PASSWORD)
    assert not passwords.verify(hashed, PASSWORD + "x")
    assert not passwords.verify(None, PASSWORD)


@pytest.mark.parametrize("weak", ["short1a", "abcdefghij", "1234567890", "a" * 30 + "1" * 3, "abcd 12345"])
def test_the_strength_rule_refuses_weak_passwords(weak):
    assert passwords.strength_error(weak)


def test_usernames_are_case_insensitive(session, admin):
    assert admin["username"] == "admin1"
    account = login.authenticate(session, "ADMIN1", PASSWORD, staff.STAFF_KINDS, now=T0)
    assert account.id == admin["id"]


def test_wrong_password_and_unknown_user_get_the_same_answer(session, admin):
    with pytest.raises(Unauthenticated) as wrong:
        login.authenticate(session, "admin1", "nope-nope1", staff.STAFF_KINDS, now=T0)
    with pytest.raises(Unauthenticated) as unknown:
        login.authenticate(session, "nobody", "nope-nope1", staff.STAFF_KINDS, now=T0)
    assert wrong.value.message == unknown.value.message == login.WRONG


def test_staff_cannot_log_in_on_the_portal(session, admin):
    with pytest.raises(Unauthenticated):
        login.authenticate(session, "admin1", PASSWORD, (c.ENTERPRISE,), now=T0)


def test_five_failures_in_fifteen_minutes_throttle_until_the_oldest_ages_out(session, admin):
    for i in range(4):
        with pytest.raises(Unauthenticated):
            login.authenticate(session, "admin1", "bad-pass1", staff.STAFF_KINDS, now=T0 + dt.timedelta(minutes=i))
        session.rollback()  # the failure was committed before the error
    with pytest.raises(RateLimited) as info:
        login.authenticate(session, "admin1", "bad-pass1", staff.STAFF_KINDS, now=T0 + dt.timedelta(minutes=4))
    assert info.value.retry_after == 11 * 60
    assert info.value.message == "密码错误次数过多，请11分钟后再试"
    session.rollback()
    assert login.failure_count(session, "admin1", now=T0 + dt.timedelta(minutes=4)) == 5
    with pytest.raises(RateLimited):
        login.authenticate(session, "admin1", PASSWORD, staff.STAFF_KINDS, now=T0 + dt.timedelta(minutes=14))
    # 15 minutes after the first failure only four remain in the window.
    account = login.authenticate(session, "admin1", PASSWORD, staff.STAFF_KINDS, now=T0 + dt.timedelta(minutes=15))
    assert account.id == admin["id"]
    assert login.failure_count(session, "admin1", now=T0 + dt.timedelta(minutes=15)) == 0


def test_failures_spread_over_more_than_fifteen_minutes_do_not_throttle(session, admin):
    for i in range(8):
        with pytest.raises(Unauthenticated):
            login.authenticate(session, "admin1", "bad-pass1", staff.STAFF_KINDS, now=T0 + dt.timedelta(minutes=4 * i))
        session.rollback()


def test_a_disabled_account_is_refused(session, admin):
    staff.create(session, "admin2", PASSWORD, "李管理", c.ADMIN)
    staff.set_disabled(session, admin["id"], True, acting_id="someone-else")
    session.commit()
    with pytest.raises(Forbidden):
        login.authenticate(session, "admin1", PASSWORD, staff.STAFF_KINDS, now=T0)


def test_session_idles_out_after_thirty_minutes(session, admin):
    token = sessions.start(session, admin["id"], now=T0)
    session.commit()
    assert sessions.resolve(session, token, now=T0 + dt.timedelta(minutes=29))["principal"] == {
        "kind": c.ADMIN, "id": admin["id"], "region_code": None, "level": None,
    }
    # Each request moves the idle deadline on.
    assert sessions.resolve(session, token, now=T0 + dt.timedelta(minutes=58))
    assert sessions.resolve(session, token, now=T0 + dt.timedelta(minutes=89)) is None
    assert sessions.resolve(session, token, now=T0 + dt.timedelta(minutes=90)) is None


def test_session_ends_twelve_hours_after_login_however_busy(session, admin):
    token = sessions.start(session, admin["id"], now=T0)
    for minutes in range(20, 12 * 60, 20):
        assert sessions.resolve(session, token, now=T0 + dt.timedelta(minutes=minutes))
    assert sessions.resolve(session, token, now=T0 + dt.timedelta(hours=12, minutes=1)) is None


def test_only_the_hash_of_the_token_is_stored(session, admin):
    from services.accounts.models import LoginSession

    token = sessions.start(session, admin["id"], now=T0)
    session.flush()
    row = session.query(LoginSession).one()
    assert row.token_hash != token and token not in row.token_hash
    assert sessions.resolve(session, "x" + token[1:], now=T0) is None
    assert sessions.resolve(session, None) is None


def test_reviewer_principal_carries_level_and_region(session):
    person = staff.create(session, "rev1", PASSWORD, "审核员", c.REVIEWER, c.CITY, "320100")
    token = sessions.start(session, person["id"], now=T0)
    resolved = sessions.resolve(session, token, now=T0)
    assert resolved["principal"] == {"kind": c.REVIEWER, "id": person["id"], "region_code": "320100", "level": c.CITY}
    assert resolved["account"]["display_name"] == "审核员"


def test_housekeeping_drops_only_what_has_served_its_purpose(session, admin):
    from services.accounts import codes, housekeeping
    from services.accounts.models import LoginFailure, LoginSession, SmsCode

    ended = sessions.start(session, admin["id"], now=T0)
    sessions.end(session, ended, now=T0)
    sessions.start(session, admin["id"], now=T0)  # idle since T0
    live = sessions.start(session, admin["id"], now=T0 + dt.timedelta(days=2))
    codes.issue(session, b"k" * 32, "13800138000", codes.REGISTER, now=T0)
    codes.issue(session, b"k" * 32, "13800138001", codes.REGISTER, now=T0 + dt.timedelta(days=2))
    session.add(LoginFailure(username="admin1", at=T0))
    session.commit()
    counts = housekeeping.purge(session, now=T0 + dt.timedelta(days=2, minutes=1))
    session.commit()
    assert counts == {"sessions": 2, "sms_codes": 1, "login_failures": 1, "outbox_codes": 0, "login_addresses": 0,
                      "login_log": 0}
    assert session.query(LoginSession).count() == 1 and session.query(SmsCode).count() == 1
    assert sessions.resolve(session, live, now=T0 + dt.timedelta(days=2, minutes=1))


def test_the_login_log_is_kept_until_its_retention_has_passed(session):
    """登录日志 outlives the day the throttle keeps failures: 180 days at least."""
    from services.accounts import housekeeping, login_log

    for days in (1, 179, 181):
        login_log.record(session, f"user{days}", login_log.PORTAL, "10.0.0.1", login_log.FAILED,
                         now=T0 - dt.timedelta(days=days))
    session.commit()
    counts = housekeeping.purge(session, now=T0)
    session.commit()
    assert counts["login_log"] == 1
    assert [r["username"] for r in login_log.search(session)["items"]] == ["user1", "user179"]
    # A shorter setting is never applied.
    assert housekeeping.purge(session, now=T0, log_keep_days=7)["login_log"] == 0
