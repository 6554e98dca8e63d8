"""The declarations service on the real RabbitMQ and PostgreSQL, with the real
tenants service: 开始申报 → sections → 提交 (intake closed, events through the
outbox) → review events move the state, each handled once."""

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy

from services.common import contracts as c
from services.common import principal as principals
from services.common.errors import BadState, NotFound, Unauthenticated
from services.common.outbox import envelope
from services.declarations import sections as s
from services.declarations.service import DeclarationsService
from services.tenants.service import TenantsService
from tests.declarations.helpers import (
    ADMIN, application, batch_form, enterprise, ledger_row, partner, person, reviewer,
)
from tests.support.events import listen_events
from tests.tenants.helpers import entry_data, fill, new_device


def proxy(service, config, principal=None):
    context = {}
    if principal is not None:
        context[c.PRINCIPAL_CONTEXT_KEY] = principals.sign(principal, config)
    return ServiceRpcProxy(service, config, context_data=context)


@pytest.fixture
def system(runner_factory, config):
    runner = runner_factory(config, DeclarationsService, TenantsService)
    runner.start()
    return runner


@pytest.fixture
def batch(system, config):
    with proxy(c.DECLARATIONS, config, ADMIN) as admin:
        return admin.save_batch(batch_form())


def add_tenants(config, owner, declaration_id, count=2):
    with proxy(c.TENANTS, config, owner) as tenants, proxy(c.TENANTS, config) as anonymous:
        token = tenants.open_link(declaration_id, "玄武创业园")["token"]
        for i in range(count):
            device = new_device()
            fill(anonymous, token, device, entry_data(size="小型", employees=30, name=f"企业{i}"))
            anonymous.submit_intake(token, device)


def publish_review_event(config, event_type, data, event_id=None):
    dispatch = event_dispatcher(config)
    body = envelope(data, event_id=event_id)
    # The exchange the review service's outbox publishes to.
    dispatch(c.REVIEW, event_type, body)
    return body


def test_calls_without_a_valid_principal_are_refused(system, config):
    with proxy(c.DECLARATIONS, config) as anonymous:
        with pytest.raises(Unauthenticated):
            anonymous.list_mine()
        assert [x["key"] for x in anonymous.describe_sections()] == list(s.ORDER)


def test_a_declaration_from_start_to_review_and_back(system, config, batch):
    owner = enterprise()
    amqp = config["AMQP_URI"]
    with proxy(c.DECLARATIONS, config, owner) as decl:
        started = decl.start(batch["id"], accepted=True, profile={"enterprise_name": "南京玄武创业服务有限公司"})
        did = started["id"]
        decl.save_section(did, s.APPLICATION, application(), idempotency_key="k-app")
        for row in (person(), person(name="钱七", category="创业辅导师")):
            decl.save_row(did, s.PERSONNEL, row)
        decl.save_row(did, s.PARTNERS, partner())
        decl.save_row(did, s.LEDGER, ledger_row())

        # no tenants yet: the tenant checks fail and intake stays open
        check = decl.preflight(did)
        assert any(p["section"] == s.TENANTS for p in check["problems"])
        refused = decl.submit(did)
        assert refused["submitted"] is False
        assert "尚无入驻企业填报" in " ".join(p["message"] for p in refused["problems"])

        add_tenants(config, owner, did, count=2)
        assert decl.preflight(did)["blocking"] == 0
        with listen_events(amqp, c.DECLARATIONS, "#") as events:
            result = decl.submit(did, idempotency_key="submit-1")
            again = decl.submit(did, idempotency_key="submit-1")  # a browser retry
            received = events.wait(2)
        assert result["submitted"] and again == result
        types = sorted(e["data"].get("template", "submitted") for e in received)
        assert len(received) == 2 and types == [c.SMS_DECLARATION_SUBMITTED, "submitted"]
        submitted = next(e for e in received if "summary" in e["data"])["data"]
        assert submitted["summary"]["tenant_count"] == 2 and submitted["summary"]["employees"] == 60
        with pytest.raises(BadState):
            decl.save_row(did, s.LEDGER, ledger_row())
        with proxy(c.TENANTS, config, owner) as tenants:
            assert tenants.link_status(did)["intake_open"] is False

    with proxy(c.DECLARATIONS, config, enterprise("ent-2")) as stranger:
        with pytest.raises(NotFound):
            stranger.get(did)

    # review returns it (delivered twice: handled once)
    data = {"declaration_id": did, "enterprise_id": owner.id, "level": c.COUNTY,
            "reason": "请核对基地总面积", "sections": [s.APPLICATION], "version": 1}
    with listen_events(amqp, c.DECLARATIONS, c.SMS_REQUESTED) as sms:
        body = publish_review_event(config, c.DECLARATION_RETURNED, data)
        publish_review_event(config, c.DECLARATION_RETURNED, data, event_id=body["event_id"])
        [request] = sms.wait(1)
    assert request["data"]["template"] == c.SMS_DECLARATION_RETURNED
    with proxy(c.DECLARATIONS, config, owner) as decl:
        view = decl.get(did)
        assert view["state"] == c.RETURNED and view["return_reason"] == "请核对基地总面积"
        returns = [h for h in view["history"] if h["to_state"] == c.RETURNED]
        assert len(returns) == 1 and returns[0]["level"] == c.COUNTY

    with proxy(c.DECLARATIONS, config, reviewer(c.COUNTY, "320102")) as county:
        assert county.versions(did)[0]["version"] == 1
        assert county.get(did)["state_label"] == "已退回"
