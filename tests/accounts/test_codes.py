"""SMS codes on the real PostgreSQL schema of accounts: stored hashed, valid
ten minutes, dead after five wrong tries, one per phone per minute, ten per
phone per day, a per-IP cap."""
import datetime as dt
import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.accounts import codes
from services.accounts.models import SmsCode
from services.common import contracts as c
from services.common.errors import RateLimited, ValidationFailed

KEY = hashlib.sha256(b"test").digest()
PHONE = "13800138000"
T0 = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 in Shanghai


@pytest.fixture
def session(db_engine):
    with Session(db_engine(c.ACCOUNTS)) as s:
        yield s


def test_a_code_is_six_digits_and_stored_only_as_an_hmac(session):
    row, code = codes.issue(session, KEY, PHONE, codes.REGISTER, "1.2.3.4", now=T0)
    session.commit()
    assert len(code) == 6 and code.isdigit()
    stored = session.scalars(select(SmsCode)).one()
    assert code not in stored.code_hash
    assert stored.code_hash == codes.hash_code(KEY, row.id, code)
    assert stored.code_hash != codes.hash_code(b"other-key", row.id, code)


def test_the_right_code_works_once(session):
    _, code = codes.issue(session, KEY, PHONE, codes.REGISTER, now=T0)
    codes.verify(session, KEY, PHONE, codes.REGISTER, code, now=T0 + dt.timedelta(minutes=9))
    with pytest.raises(ValidationFailed) as info:
        codes.verify(session, KEY, PHONE, codes.REGISTER, code, now=T0 + dt.timedelta(minutes=9))
    assert info.value.errors == {"sms_code": codes.EXPIRED}


def test_a_code_expires_after_ten_minutes(session):
    _, code = codes.issue(session, KEY, PHONE, codes.REGISTER, now=T0)
    with pytest.raises(ValidationFailed) as info:
        codes.verify(session, KEY, PHONE, codes.REGISTER, code, now=T0 + dt.timedelta(minutes=10))
    assert info.value.errors["sms_code"] == codes.EXPIRED


def test_a_code_is_for_its_purpose_and_phone_only(session):
    _, code = codes.issue(session, KEY, PHONE, codes.REGISTER, now=T0)
    with pytest.raises(ValidationFailed):
        codes.verify(session, KEY, PHONE, codes.RESET_PASSWORD, code, now=T0)
    with pytest.raises(ValidationFailed):
        codes.verify(session, KEY, "13900139000", codes.REGISTER, code, now=T0)


def test_five_wrong_tries_kill_the_code_and_each_try_is_committed(session, db_engine):
    _, code = codes.issue(session, KEY, PHONE, codes.REGISTER, now=T0)
    session.commit()
    wrong = "000000" if code != "000000" else "111111"
    for attempt in range(1, 5):
        with pytest.raises(ValidationFailed) as info:
            codes.verify(session, KEY, PHONE, codes.REGISTER, wrong, now=T0)
        assert info.value.errors["sms_code"] == codes.WRONG
        session.rollback()  # what the worker does when the call fails
        assert session.scalars(select(SmsCode.attempts)).one() == attempt
    with pytest.raises(ValidationFailed) as info:
        codes.verify(session, KEY, PHONE, codes.REGISTER, wrong, now=T0)
    assert info.value.errors["sms_code"] == codes.EXPIRED
    with pytest.raises(ValidationFailed) as info:
        codes.verify(session, KEY, PHONE, codes.REGISTER, code, now=T0)
    assert info.value.errors["sms_code"] == codes.EXPIRED


def test_one_sms_per_phone_per_minute(session):
    codes.issue(session, KEY, PHONE, codes.REGISTER, now=T0)
    with pytest.raises(RateLimited) as info:
        codes.issue(session, KEY, PHONE, codes.RESET_PASSWORD, now=T0 + dt.timedelta(seconds=45))
    assert info.value.retry_after == 15
    assert "15秒后" in info.value.message
    codes.issue(session, KEY, PHONE, codes.REGISTER, now=T0 + dt.timedelta(seconds=60))


def test_ten_sms_per_phone_per_day_in_china_time(session):
    for i in range(10):
        codes.issue(session, KEY, PHONE, codes.REGISTER, now=T0 + dt.timedelta(minutes=2 * i))
    with pytest.raises(RateLimited) as info:
        codes.issue(session, KEY, PHONE, codes.REGISTER, now=T0 + dt.timedelta(hours=1))
    assert "今日" in info.value.message
    # Midnight in Shanghai is 16:00 UTC.
    codes.issue(session, KEY, PHONE, codes.REGISTER, now=dt.datetime(2026, 11, 28, 16, 0, tzinfo=dt.timezone.utc))


def test_a_username_reminder_counts_towards_the_limits(session):
    row, code = codes.issue(session, KEY, PHONE, codes.USERNAME, now=T0)
    assert code is None
    with pytest.raises(RateLimited):
        codes.issue(session, KEY, PHONE, codes.REGISTER, now=T0 + dt.timedelta(seconds=10))


def test_one_address_may_ask_for_only_so_many_codes_an_hour(session):
    for i in range(codes.IP_PER_HOUR):
        codes.issue(session, KEY, f"1380013{i:04d}", codes.REGISTER, "10.0.0.9", now=T0 + dt.timedelta(seconds=i))
    with pytest.raises(RateLimited):
        codes.issue(session, KEY, "13700137000", codes.REGISTER, "10.0.0.9", now=T0 + dt.timedelta(minutes=30))
    codes.issue(session, KEY, "13700137000", codes.REGISTER, "10.0.0.10", now=T0 + dt.timedelta(minutes=30))
    codes.issue(session, KEY, "13700137001", codes.REGISTER, "10.0.0.9", now=T0 + dt.timedelta(minutes=61))
