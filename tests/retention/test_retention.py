"""Retention of personal data on the real RabbitMQ and PostgreSQL: each
service's housekeeping deletes or anonymises what is past its retention —
files in the blob store included — in batches, records counts (never
contents) in its personal-data log, and leaves what is still within it."""
import datetime as dt
import time
import uuid

import pytest
from sqlalchemy import select, text, update

from services.accounts import retention as accounts_retention
from services.accounts.models import Appeal
from services.common import blobs
from services.common import contracts as c
from services.common import personal_data as pd
from services.common.tables import personal_data_log
from services.declarations import retention as declarations_retention
from services.declarations import sections as s
from services.declarations.models import Batch, Declaration
from services.declarations.service import DeclarationsService
from services.notify import retention as notify_retention
from services.notify.models import Message
from services.tenants.service import TenantsService
from tests.declarations.helpers import ADMIN, application, batch_form, enterprise, person
from tests.declarations.fixtures import add_tenants, proxy
from tests.support.web import png_bytes

NOW = dt.datetime.now(dt.timezone.utc)
YEARS = dt.timedelta(days=365)


@pytest.fixture
def conf(config, tmp_path):
    return {**config, c.ENV_BLOB_DIR: str(tmp_path / "blobs"), c.ENV_HOUSEKEEPING_INTERVAL: "0"}


def until(check, what, timeout=20):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def log_of(engine):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(personal_data_log).order_by(personal_data_log.c.id)).mappings()]


def declaration_with_data(conf, owner, batch_id):
    store = blobs.blob_store(conf)
    with proxy(c.DECLARATIONS, conf, owner) as decl:
        did = decl.start(batch_id, accepted=True, profile={"enterprise_name": "某运营公司"})["id"]
        decl.save_section(did, s.APPLICATION, application())
        decl.save_row(did, s.PERSONNEL, person())
        key = blobs.temp_key(owner)
        store.put(key, png_bytes())
        decl.add_attachment(did, "申请报告", key, "报告.png")
        blob = decl.attachment(decl.get(did)["attachments"][0]["id"])["blob_key"]
    add_tenants(conf, owner, did, count=1)
    return did, blob


def test_declarations_past_retention_lose_their_personal_data_and_tenant_entries(
        runner_factory, conf, db_engine):
    runner_factory(conf, DeclarationsService, TenantsService).start()
    engine, tenants = db_engine(c.DECLARATIONS), db_engine(c.TENANTS)
    store = blobs.blob_store(conf)
    with proxy(c.DECLARATIONS, conf, ADMIN) as admin:
        batch = admin.save_batch(batch_form())
    draft, draft_blob = declaration_with_data(conf, enterprise("ent-draft"), batch["id"])
    rejected, rejected_blob = declaration_with_data(conf, enterprise("ent-rejected"), batch["id"])
    recent, recent_blob = declaration_with_data(conf, enterprise("ent-recent"), batch["id"])
    with engine.begin() as conn:  # time passes: the batch closed two years ago; two decisions
        conn.execute(update(Batch).values(closes_at=NOW - 2 * YEARS, opens_at=NOW - 3 * YEARS))
        conn.execute(update(Declaration).where(Declaration.id == rejected).values(
            state=c.REJECTED, version=1, updated_at=NOW - 4 * YEARS))
        conn.execute(update(Declaration).where(Declaration.id == recent).values(
            state=c.REJECTED, version=1, updated_at=NOW - YEARS))

    done = declarations_retention.run(engine, conf, batch=1)
    assert done == {"draft": 1, "rejected": 1, "recognised": 0}

    with engine.connect() as conn:
        ids = set(conn.execute(text("SELECT id FROM declarations")).scalars())
        sections = set(conn.execute(text("SELECT declaration_id FROM sections")).scalars())
        erased = conn.execute(text("SELECT erased_at FROM declarations WHERE id = :i"), {"i": rejected}).scalar()
    assert draft not in ids and rejected in ids and recent in ids  # the rejected one's record stays
    assert erased is not None and sections == {recent}
    assert not store.exists(draft_blob) and not store.exists(rejected_blob) and store.exists(recent_blob)
    until(lambda: _entries(tenants) == {recent: 1}, "the tenants service to delete the entries")
    assert [(r["category"], r["action"], r["count"], r["reason"]) for r in log_of(engine)] == [
        ("draft", pd.DELETED, 1, pd.RETENTION), ("rejected", pd.ANONYMISED, 1, pd.RETENTION)]
    assert [(r["category"], r["count"]) for r in log_of(tenants)] == [("tenant", 1), ("tenant", 1)]
    # A second pass finds nothing more.
    assert declarations_retention.run(engine, conf) == {"draft": 0, "rejected": 0, "recognised": 0}


def _entries(engine):
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT declaration_id, count(*) FROM tenant_entries GROUP BY 1")).all())


def test_sms_are_deleted_past_their_retention_once_settled(conf, db_engine):
    engine = db_engine(c.NOTIFY)

    def message(age_days, state):
        at = NOW - dt.timedelta(days=age_days)
        return Message(id=str(uuid.uuid4()), dedupe_key=str(uuid.uuid4()), source=c.ACCOUNTS, phone="13912345678",
                       template=c.SMS_VERIFICATION_CODE, params={"code": "123456"}, text="验证码123456",
                       state=state, attempts=1, created_at=at, updated_at=at)

    from sqlalchemy.orm import Session

    with Session(engine) as session, session.begin():
        session.add_all([message(200, "sent"), message(190, "failed"), message(200, "queued"), message(10, "sent")])
    assert notify_retention.run(engine, {**conf, c.ENV_RETENTION_SMS_DAYS: "180"}, batch=1)["sms_messages"] == 2
    with engine.connect() as conn:
        left = sorted(conn.execute(text("SELECT state FROM messages")).scalars())
    assert left == ["queued", "sent"]
    assert sum(r["count"] for r in log_of(engine)) == 2


def test_settled_appeals_lose_their_phone_and_licence_image(conf, db_engine):
    engine = db_engine(c.ACCOUNTS)
    store = blobs.blob_store(conf)
    from sqlalchemy.orm import Session

    keys = []
    with Session(engine) as session, session.begin():
        for days in (200, 10):
            key = f"appeals/{uuid.uuid4().hex}"
            store.put(key, png_bytes())
            keys.append(key)
            at = NOW - dt.timedelta(days=days)
            session.add(Appeal(id=str(uuid.uuid4()), credit_code="91320102MA1XYW12A3", contact_name="张三",
                               new_phone="13900001111", licence_key=key, status="accepted", created_at=at,
                               settled_at=at))
    assert accounts_retention.run(engine, conf, store=store) == {"appeals_erased": 1}
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT new_phone, contact_name FROM appeals ORDER BY settled_at")).all()
    assert [tuple(r) for r in rows] == [("", ""), ("13900001111", "张三")]
    assert not store.exists(keys[0]) and store.exists(keys[1])
    assert [(r["category"], r["action"], r["count"]) for r in log_of(engine)] == [("appeal", pd.ANONYMISED, 1)]


def test_a_retention_that_makes_no_sense_is_refused():
    with pytest.raises(ValueError, match="RETENTION_SMS_DAYS"):
        pd.check({c.ENV_RETENTION_SMS_DAYS: "0"})
    assert pd.retention_days("draft", {c.ENV_RETENTION_DRAFT_YEARS: "2"}) == 730


def test_the_service_processes_housekeeping_applies_retention_by_itself(runner_factory, conf, db_engine):
    conf = {**conf, c.ENV_HOUSEKEEPING_INTERVAL: "0.2"}
    runner_factory(conf, DeclarationsService, TenantsService).start()
    engine, tenants = db_engine(c.DECLARATIONS), db_engine(c.TENANTS)
    with proxy(c.DECLARATIONS, conf, ADMIN) as admin:
        batch = admin.save_batch(batch_form())
    draft, blob = declaration_with_data(conf, enterprise("ent-left"), batch["id"])
    with engine.begin() as conn:
        conn.execute(update(Batch).values(closes_at=NOW - 2 * YEARS, opens_at=NOW - 3 * YEARS))
    until(lambda: not _entries(tenants), "the draft and its tenant entries to go")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM declarations")).scalar() == 0
    assert not blobs.blob_store(conf).exists(blob)
