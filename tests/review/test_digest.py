"""The daily digest end to end on the real RabbitMQ and PostgreSQL: the
review service's scheduled job counts each office's waiting and overdue
cases, asks accounts (here a small stand-in exposing the contract's RPC) for
the office's staff phones as the review service itself, and notify sends
one SMS per phone, counts only."""
import time
from datetime import timedelta

import eventlet
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common import clock
from services.common import contracts as c
from services.common import leases
from services.common.entrypoints import Caller, rpc
from services.common.errors import Forbidden
from services.notify.models import Message
from services.notify.service import NotifyService
from services.review import calendar, intake
from services.review.calendar_models import WORKDAY
from services.review.service import ReviewService
from tests.review.support import Tx, admin, submitted
from tests.support.identifiers import phone_number

PHONES = {}  # (level, region_code) -> phones the stand-in accounts gives
ASKED = []  # (principal kind, level, region_code) of every call


class OfficePhones:
    """Accounts as far as the digest needs it."""

    name = c.ACCOUNTS
    caller = Caller()

    @rpc
    def office_phones(self, level, region_code):
        ASKED.append((self.caller.kind, level, region_code))
        if self.caller.kind != c.SYSTEM:
            raise Forbidden("仅限系统调用")
        return PHONES.get((level, region_code), [])


def wait_for(predicate, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        eventlet.sleep(0.1)


@pytest.fixture
def review_engine(db_engine):
    return db_engine(c.REVIEW)


@pytest.fixture
def notify_engine(db_engine):
    return db_engine(c.NOTIFY)


def receive(engine, data, submitted_at):
    data["summary"]["submitted_at"] = submitted_at
    with Tx(engine) as tx:
        intake.receive_submission(tx.session, data)
        tx.commit()


def digests(engine):
    with Session(engine) as session:
        rows = session.scalars(select(Message).where(Message.template == c.SMS_REVIEW_DIGEST)).all()
        return {m.phone: (m.source, m.text) for m in rows}


def test_each_office_with_cases_waiting_gets_its_counts_by_sms(
    container_factory, config, review_engine, notify_engine
):
    today = clock.beijing_today()
    with Tx(review_engine) as tx:
        if not calendar.is_working_day(tx.session, today):  # the digest is for working days
            calendar.set_day(tx.session, admin(), today.isoformat(), WORKDAY, "测试")
        tx.commit()
    receive(review_engine, submitted("320102"), "2026-03-02T10:00:00+08:00")  # long overdue
    receive(review_engine, submitted("320102"), clock.iso(clock.utcnow()))
    receive(review_engine, submitted("320205", level=c.CITY), "2026-03-02T10:00:00+08:00")
    receive(review_engine, submitted("320104"), clock.iso(clock.utcnow()))  # an office without phones
    xuanwu, wuxi = [phone_number(), phone_number()], [phone_number()]
    PHONES.clear()
    PHONES.update({(c.COUNTY, "320102"): xuanwu + [xuanwu[0], "not-a-phone"], (c.CITY, "320200"): wuxi})
    ASKED.clear()
    # The digest last ran yesterday: today's is due as soon as the service runs.
    job = f"{c.REVIEW}.send_digest"
    leases.acquire(review_engine, job, "a replica gone since", 1, clock.utcnow() - timedelta(days=1))
    assert leases.record_run(review_engine, job, "a replica gone since", clock.utcnow() - timedelta(days=1))

    container_factory(OfficePhones, config).start()
    container_factory(NotifyService, config).start()
    container_factory(ReviewService, {
        **config, c.ENV_REVIEW_DIGEST_AT: "00:00", c.ENV_SCHEDULE_TICK_SECONDS: "0.1",
        c.ENV_SCHEDULE_LEASE_SECONDS: "1",
    }).start()

    wait_for(lambda: len(digests(notify_engine)) == 3, what="three digest messages")
    sent = digests(notify_engine)
    for phone in xuanwu:
        assert sent[phone] == (c.REVIEW, "审核提醒：您有2件双创基地认定申报待审核，其中1件已超过办理时限，请及时登录审核控制台处理。")
    assert sent[wuxi[0]] == (c.REVIEW, "审核提醒：您有1件双创基地认定申报待审核，其中1件已超过办理时限，请及时登录审核控制台处理。")
    assert sorted(ASKED) == sorted([
        (c.SYSTEM, c.COUNTY, "320102"), (c.SYSTEM, c.COUNTY, "320104"), (c.SYSTEM, c.CITY, "320200"),
    ])
