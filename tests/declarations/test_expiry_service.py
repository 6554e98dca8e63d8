"""认定到期提醒 end to end on the real RabbitMQ and PostgreSQL: the declarations
service's scheduled job finds a recognition 30 days from its end, asks
accounts (a stand-in exposing the contract's RPC) for the enterprise's
account phone as the declarations service itself, and notify sends one SMS,
the date and the days only; the reminder is recorded."""
import datetime as dt
import time

import eventlet
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common import clock
from services.common import contracts as c
from services.common import leases
from services.common.entrypoints import Caller, rpc
from services.common.errors import Forbidden
from services.declarations import batches, editing, expiry
from services.declarations.models import Declaration, RecognitionReminder
from services.declarations.service import DeclarationsService
from services.notify.models import Message
from services.notify.service import NotifyService
from tests.declarations.helpers import ADMIN, batch_form, enterprise
from tests.support.identifiers import phone_number

ACCOUNT_PHONE = phone_number()
ASKED = []


class AccountPhones:
    """Accounts as far as the reminders need it."""

    name = c.ACCOUNTS
    caller = Caller()

    @rpc
    def enterprise_summary(self, enterprise_id):
        ASKED.append((self.caller.kind, enterprise_id))
        if self.caller.kind != c.SYSTEM:
            raise Forbidden("仅限系统调用")
        return {"id": enterprise_id, "contact_phone": ACCOUNT_PHONE, "disabled": False}


def wait_for(predicate, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        eventlet.sleep(0.1)
    return value


def recognised_declaration(engine, valid_until):
    with Session(engine, expire_on_commit=False) as session:
        b = batches.save_batch(session, ADMIN, batch_form())
        d = editing.start(session, enterprise("ent-expiring"), b["id"], {}, accepted=True)
        row = session.get(Declaration, d["id"])
        row.state, row.version, row.certificate_number = c.APPROVED, 1, "苏双创基地〔2026〕0003"
        row.valid_from, row.valid_until = valid_until - dt.timedelta(days=1095), valid_until
        session.commit()
        return d["id"]


def test_the_daily_job_reminds_the_account_phone_once(container_factory, config, db_engine):
    engine, notify_engine = db_engine(c.DECLARATIONS), db_engine(c.NOTIFY)
    valid_until = clock.beijing_today() + dt.timedelta(days=30)
    did = recognised_declaration(engine, valid_until)
    job = f"{c.DECLARATIONS}.remind_expiry"  # last ran yesterday: today's run is due at once
    leases.acquire(engine, job, "a replica gone since", 1, clock.utcnow() - dt.timedelta(days=1))
    assert leases.record_run(engine, job, "a replica gone since", clock.utcnow() - dt.timedelta(days=1))
    ASKED.clear()
    container_factory(AccountPhones, config).start()
    container_factory(NotifyService, config).start()
    container_factory(DeclarationsService, {
        **config, expiry.ENV_RECOGNITION_REMIND_AT: "00:00", c.ENV_SCHEDULE_TICK_SECONDS: "0.1",
        c.ENV_SCHEDULE_LEASE_SECONDS: "1",
    }).start()

    def sent():
        with Session(notify_engine) as session:
            return session.scalars(select(Message).where(Message.template == c.SMS_RECOGNITION_EXPIRING)).all()

    [message] = wait_for(sent, what="the reminder")
    assert message.phone == ACCOUNT_PHONE and message.source == c.DECLARATIONS
    assert message.text == f"您的双创基地认定有效期至{valid_until.isoformat()}，还有30天到期，请关注复核申报安排，详情请登录平台查看。"
    assert ASKED == [(c.SYSTEM, "ent-expiring")]
    with Session(engine) as session:
        assert [r.days for r in session.scalars(select(RecognitionReminder).where(
            RecognitionReminder.declaration_id == did))] == [30]
