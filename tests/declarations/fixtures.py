"""What several declarations tests (and other areas' tests of a declaration)
share: an RPC proxy signed as a principal, the declarations and tenants
services with a stand-in accounts, a batch, tenants filled through intake,
review events published as review's outbox would, a submitted declaration
with an attachment, and 服务台账 workbooks."""
import io

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from openpyxl import Workbook

from services.common import blobs
from services.common import contracts as c
from services.common import principal as principals
from services.common.entrypoints import rpc
from services.common.errors import BadState
from services.common.outbox import envelope
from services.declarations import ledger_import
from services.declarations import sections as s
from services.declarations.service import DeclarationsService
from services.tenants.service import TenantsService
from tests.declarations.helpers import ADMIN, application, batch_form, ledger_row, partner, person
from tests.tenants.helpers import entry_data, fill, new_device


def proxy(service, config, principal=None):
    context = {}
    if principal is not None:
        context[c.PRINCIPAL_CONTEXT_KEY] = principals.sign(principal, config)
    return ServiceRpcProxy(service, config, context_data=context)


ACCOUNT_RECORDS = {}  # enterprise id -> what accounts holds, when not the default


class StandInAccounts:
    """accounts' record of each enterprise (the real service is tested in its area)."""

    name = c.ACCOUNTS

    @rpc
    def enterprise_summary(self, enterprise_id):
        default = {"name": "南京玄武创业服务有限公司", "credit_code": application()["credit_code"]}
        return {"id": enterprise_id, "region_code": "320102", **ACCOUNT_RECORDS.get(enterprise_id, default)}


@pytest.fixture
def system(runner_factory, config):
    ACCOUNT_RECORDS.clear()
    runner = runner_factory(config, DeclarationsService, TenantsService, StandInAccounts)
    runner.start()
    return runner


@pytest.fixture
def batch(system, config):
    with proxy(c.DECLARATIONS, config, ADMIN) as admin:
        return admin.save_batch(batch_form())


def open_link_when_known(tenants, declaration_id, tries=200):
    """The link, once tenants learnt of the declaration (declaration_started)."""
    import eventlet

    for _ in range(tries):
        try:
            return tenants.open_link(declaration_id, "玄武创业园")["token"]
        except BadState:
            eventlet.sleep(0.05)
    raise AssertionError("tenants never learnt of the declaration")


def add_tenants(config, owner, declaration_id, count=2):
    with proxy(c.TENANTS, config, owner) as tenants, proxy(c.TENANTS, config) as anonymous:
        token = open_link_when_known(tenants, declaration_id)
        for i in range(count):
            device = new_device()
            fill(anonymous, token, device, entry_data(size="小型", employees=30, name=f"企业{i}"))
            anonymous.submit_intake(token, device)


REVIEW_STATES = {c.DECLARATION_RETURNED: c.RETURNED, c.DECLARATION_APPROVED: c.APPROVED,
                 c.DECLARATION_REJECTED: c.REJECTED}


def publish_review_event(config, event_type, data, event_id=None, sequence=2):
    """Publish a review event as review's outbox would: `sequence` is the
    case's revision after the move."""
    dispatch = event_dispatcher(config)
    state = (c.PENDING_STATE_OF_LEVEL[data["level"]] if event_type == c.DECLARATION_ADVANCED
             else REVIEW_STATES[event_type])
    body = envelope(data, event_id=event_id, event_type=event_type,
                    cause={"kind": c.REVIEWER, "id": "rev-1"}, sequence=sequence, state=state)
    # The exchange the review service's outbox publishes to.
    dispatch(c.REVIEW, event_type, body)
    return body


def publish(config, event_type, state, data, sequence):
    """Publish a review event whose resulting `state` is given, as review's
    outbox would."""
    body = envelope(data, event_type=event_type, cause={"kind": c.REVIEWER, "id": "rev-p"},
                    sequence=sequence, state=state)
    event_dispatcher(config)(c.REVIEW, event_type, body)


PUBLIC = "https://sme.example.gov.cn"

BASE_NAME = "玄武打印示范园"

ATTACHMENT = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def submitted_declaration(config, batch, owner, base_name=BASE_NAME):
    store = blobs.blob_store(config)
    with proxy(c.DECLARATIONS, config, owner) as decl:
        did = decl.start(batch["id"], accepted=True)["id"]
        decl.save_section(did, s.APPLICATION, application(base_name=base_name))
        decl.save_row(did, s.PERSONNEL, person())
        decl.save_row(did, s.PERSONNEL, person(name="钱七", category="创业辅导师"))
        decl.save_row(did, s.PARTNERS, partner())
        decl.save_row(did, s.LEDGER, ledger_row())
        temp = blobs.temp_key(owner)
        store.put(temp, ATTACHMENT, "application/pdf")
        decl.add_attachment(did, "申请报告", temp, "../申请报告<1>.pdf")
        add_tenants(config, owner, did, count=2)
        result = decl.submit(did)
        assert result["submitted"], result
    return did, result["reference"]


def workbook(rows, header=None):
    wb = Workbook()
    ws = wb.active
    ws.title = ledger_import.SHEET
    ws.append(header or [f.label for f in s.LEDGER_SCHEMA])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD = ["2025-03-15", "创业辅导", "南京某某科技有限公司", "创业计划书辅导", "线下", "会议室", 1, 3, "免费", 0, "满意"]
