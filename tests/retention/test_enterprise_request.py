"""An enterprise asks for a copy of its personal data and then for its
deletion: an admin does both on the console's 个人信息 page, against the real
accounts, declarations, tenants and notify services. The export holds the
account, the declarations with their tenant entries and the SMS log; the
deletion is refused while a declaration is under review, then erases the
contact, the licence image, the declarations' data and files, the tenant
entries and the SMS, disables the account, and each service logs counts."""
import json
import re
import time

import pytest
from sqlalchemy import select, text, update

from gateway import create_app
from gateway.rpc import RpcClient
from services.accounts.service import AccountsService
from services.common import blobs
from services.common import contracts as c
from services.common.principal import Principal
from services.common.tables import personal_data_log
from services.declarations import sections as s
from services.declarations.models import Declaration
from services.declarations.service import DeclarationsService
from services.notify.service import NotifyService
from services.tenants.service import TenantsService
from tests.accounts.helpers import PASSWORD, create_staff, login_staff, post, register_by_rpc
from tests.declarations.helpers import ADMIN, application, batch_form
from tests.declarations.fixtures import add_tenants
from tests.support.web import png_bytes


def until(check, what, timeout=20):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def count(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


@pytest.fixture
def conf(config, tmp_path):
    return {**config, c.ENV_BLOB_DIR: str(tmp_path / "blobs")}


def test_an_admin_exports_then_erases_one_enterprise(runner_factory, conf, db_engine):
    runner_factory(conf, AccountsService, DeclarationsService, TenantsService, NotifyService).start()
    rpc = RpcClient(conf)
    app = create_app(conf)
    store = blobs.blob_store(conf)
    try:
        _, data = register_by_rpc(rpc, conf)
        token = rpc.call(c.ACCOUNTS, "login", data["username"], PASSWORD, c.ENTERPRISE)["token"]
        owner = Principal(**rpc.call(c.ACCOUNTS, "resolve_session", token)["principal"])
        licence = rpc.call(c.ACCOUNTS, "enterprise_licence", owner.id, principal=owner)["key"]
        batch = rpc.call(c.DECLARATIONS, "save_batch", batch_form(), principal=ADMIN)
        did = rpc.call(c.DECLARATIONS, "start", batch["id"], accepted=True, profile={}, principal=owner)["id"]
        rpc.call(c.DECLARATIONS, "save_section", did, s.APPLICATION, application(contact="李联系"), principal=owner)
        temp = blobs.temp_key(owner)
        store.put(temp, png_bytes())
        attachment = rpc.call(c.DECLARATIONS, "add_attachment", did, "申请报告", temp, "报告.png", principal=owner)
        attachment_key = rpc.call(c.DECLARATIONS, "attachment", attachment["id"], principal=owner)["blob_key"]
        add_tenants(conf, owner, did, count=1)
        notify = db_engine(c.NOTIFY)
        until(lambda: count(notify, "SELECT count(*) FROM messages WHERE phone = :p", p=data["contact_phone"]) == 1,
              "the registration SMS")
        until(lambda: count(notify, "SELECT count(*) FROM messages WHERE state = 'sent'") == 1, "its sending")

        create_staff(conf, "pd_admin")
        admin = app.test_client()
        login_staff(admin, "pd_admin")
        page = admin.get(f"/console/personal-data?q={data['credit_code']}").get_data(as_text=True)
        assert data["name"] in page and "导出个人信息" in page
        assert 'href="/console/personal-data"' in admin.get("/console/staff").get_data(as_text=True)
        enterprise_id = re.search(r"/console/personal-data/([0-9a-f-]{36})/export", page).group(1)

        exported = admin.get(f"/console/personal-data/{enterprise_id}/export")
        assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
        document = json.loads(exported.get_data(as_text=True))
        assert document["account"]["enterprise"]["contact_phone"] == data["contact_phone"]
        [declaration] = document["declarations"]
        assert declaration["sections"]["application"]["contact"] == "李联系"
        assert len(declaration["attachments"]) == 1 and len(declaration["tenant_entries"]) == 1
        assert declaration["tenant_entries"][0]["data"]["basic"]["contact_name"]
        assert len(document["sms"]) == 1

        # Not while a declaration is under review.
        declarations = db_engine(c.DECLARATIONS)
        with declarations.begin() as conn:
            conn.execute(update(Declaration).values(state=c.PENDING_COUNTY, version=1))
        refused = post(admin, f"/console/personal-data/{enterprise_id}/erase", {"confirm": data["credit_code"]})
        assert refused.status_code == 302
        assert "审核中" in admin.get(refused.headers["Location"]).get_data(as_text=True)
        with declarations.begin() as conn:
            conn.execute(update(Declaration).values(state=c.DRAFT, version=0))
        wrong = post(admin, f"/console/personal-data/{enterprise_id}/erase", {"confirm": "X"})
        assert "请输入该企业的统一社会信用代码" in admin.get(wrong.headers["Location"]).get_data(as_text=True)
        assert store.exists(licence)

        done = post(admin, f"/console/personal-data/{enterprise_id}/erase", {"confirm": data["credit_code"].lower()})
        assert "已删除该企业的个人信息" in admin.get(done.headers["Location"]).get_data(as_text=True)
        summary = rpc.call(c.ACCOUNTS, c.RPC_ENTERPRISE_SUMMARY, enterprise_id, principal=ADMIN)
        assert summary["contact_name"] == "" and summary["contact_phone"] == "" and summary["disabled"] is True
        assert rpc.call(c.ACCOUNTS, "resolve_session", token) is None
        assert not store.exists(licence) and not store.exists(attachment_key)
        assert rpc.call(c.DECLARATIONS, "export_enterprise_data", enterprise_id, principal=ADMIN) == []
        tenants = db_engine(c.TENANTS)
        until(lambda: count(tenants, "SELECT count(*) FROM tenant_entries") == 0, "the tenant entries to go")
        until(lambda: count(notify, "SELECT count(*) FROM messages") == 0, "the SMS to go")

        # Each service logged what it did for this request: counts only.
        for service, expected in ((c.ACCOUNTS, {("account", "exported"), ("account", "anonymised"),
                                                ("licence", "deleted"), ("appeal", "anonymised")}),
                                  (c.DECLARATIONS, {("draft", "exported"), ("draft", "deleted")}),
                                  (c.NOTIFY, {("sms", "deleted")}), (c.TENANTS, {("tenant", "deleted")})):
            with db_engine(service).connect() as conn:
                rows = conn.execute(select(personal_data_log)).mappings().all()
            assert {(r["category"], r["action"]) for r in rows} == expected, service
            assert all(r["reason"] == "request" and r["subject_id"] in (enterprise_id, did) for r in rows), rows
    finally:
        rpc.close()
        app.extensions["rpc"].close()
