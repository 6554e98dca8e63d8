"""认定到期提醒: one SMS per recognised declaration and threshold, to the
enterprise's account phone, counts and dates only (real PostgreSQL)."""
import datetime as dt

import pytest

from services.common import contracts
from services.common.clock import day_start
from services.declarations import expiry
from services.declarations.models import Declaration
from services.notify import templates
from tests.declarations.on_database import Outbox, submitted
from tests.declarations.on_database import batch, session, started  # noqa: F401 (fixtures)

TODAY = dt.date(2029, 9, 10)
NOW = day_start(TODAY) + dt.timedelta(hours=9)


class Tx:
    def __init__(self, session):
        self.session = session
        self.dispatch = Outbox()


class Accounts:
    def __init__(self, phone="13700001111"):
        self.phone, self.asked = phone, []

    def enterprise_summary(self, enterprise_id):
        self.asked.append(enterprise_id)
        return {"id": enterprise_id, "contact_phone": self.phone, "disabled": False}


def recognised(session, started, valid_until):
    submitted(session, started)
    d = session.get(Declaration, started[1])
    d.state, d.certificate_number = contracts.APPROVED, "苏双创基地〔2026〕0001"
    d.valid_from, d.valid_until = valid_until - dt.timedelta(days=1095), valid_until
    session.flush()
    return d


def run(session, accounts, day=TODAY):
    tx = Tx(session)
    result = expiry.send(tx, accounts, now=day_start(day) + dt.timedelta(hours=9), thresholds=(90, 30))
    return result, tx.dispatch.of(contracts.SMS_REQUESTED)


def test_each_threshold_sends_once_to_the_account_phone(session, started):
    recognised(session, started, TODAY + dt.timedelta(days=90))
    accounts = Accounts()
    result, [sms] = run(session, accounts)
    assert result == {"due": 1, "sent": 1} and accounts.asked == ["ent-1"]
    assert sms["phone"] == "13700001111"  # the account's, not the 申请表's 联系手机 (13912345678)
    assert sms["template"] == contracts.SMS_RECOGNITION_EXPIRING
    assert sms["params"] == {"valid_until": "2029-12-09", "days": 90}
    assert "玄武" not in templates.render(sms["template"], sms["params"]).text
    assert run(session, accounts)[1] == []  # the same day again
    assert run(session, accounts, TODAY + dt.timedelta(days=1))[1] == []  # 89 days left: 90 was sent
    _result, [second] = run(session, accounts, TODAY + dt.timedelta(days=60))
    assert second["params"]["days"] == 30
    assert run(session, accounts, TODAY + dt.timedelta(days=70))[1] == []


def test_a_missed_day_sends_only_the_smallest_threshold_reached(session, started):
    recognised(session, started, TODAY + dt.timedelta(days=20))
    _result, [sms] = run(session, Accounts())
    assert sms["params"]["days"] == 20 and sms["dedupe_key"].endswith(":30")
    assert run(session, Accounts())[1] == []


def test_nothing_far_from_the_end_nor_without_a_usable_phone(session, started):
    recognised(session, started, TODAY + dt.timedelta(days=91))
    assert run(session, Accounts())[1] == []
    assert run(session, Accounts(phone=""), TODAY + dt.timedelta(days=1)) == ({"due": 1, "sent": 0}, [])
    assert len(run(session, Accounts(), TODAY + dt.timedelta(days=1))[1]) == 1  # tried again


@pytest.mark.parametrize("value,days", [("90,30", (90, 30)), ("30, 90 ,7", (90, 30, 7)), ("", ())])
def test_the_thresholds_are_configurable(value, days):
    assert expiry.remind_days({expiry.ENV_RECOGNITION_REMIND_DAYS: value} if value else {}) == (days or (90, 30))


@pytest.mark.parametrize("value", ["0", "90,abc", "400"])
def test_bad_thresholds_are_refused(value):
    with pytest.raises(ValueError):
        expiry.remind_days({expiry.ENV_RECOGNITION_REMIND_DAYS: value})
