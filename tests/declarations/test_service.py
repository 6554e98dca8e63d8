"""The declarations service on the real RabbitMQ and PostgreSQL, with the real
tenants service: 开始申报 → sections → 提交 (intake closed, events through the
outbox) → review events move the state, each handled once."""
import pytest

from services.common import contracts as c
from services.common.errors import BadState, NotFound, Unauthenticated
from services.declarations import sections as s
from tests.declarations.helpers import application, enterprise, ledger_row, partner, person, reviewer
from tests.support.events import listen_events
from tests.declarations.fixtures import (  # noqa: F401
    ACCOUNT_RECORDS, add_tenants, batch, proxy, publish_review_event, system,
)
from tests.declarations.submitting import fill_declaration, intake_open, submitted_declaration, wait_for_state


def test_calls_without_a_valid_principal_are_refused(system, config):
    with proxy(c.DECLARATIONS, config) as anonymous:
        with pytest.raises(Unauthenticated):
            anonymous.list_mine()
        assert [x["key"] for x in anonymous.describe_sections()["parts"]] == list(s.ORDER)


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
            received = events.wait(3)
        assert result["submitted"] and again == result
        types = sorted(e["data"].get("template") or ("submitted" if "summary" in e["data"] else "changed")
                       for e in received)
        assert len(received) == 3 and types == ["changed", c.SMS_DECLARATION_SUBMITTED, "submitted"]
        changed = next(e for e in received if "summary" not in e["data"] and "template" not in e["data"])
        assert changed["state"] == c.PENDING_COUNTY and changed["data"]["enterprise_id"] == owner.id
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


def test_an_approval_that_overtakes_the_advances_is_not_lost(system, config, batch):
    """认定 handled while the declaration still waits at the county (the
    advances delayed on their own queues): it shows 已认定, the SMS goes out,
    and the advances still leave their rows in the history."""
    owner = enterprise("ent-order")
    did = submitted_declaration(config, batch, owner)
    base = {"declaration_id": did, "enterprise_id": owner.id, "version": 1}
    with listen_events(config["AMQP_URI"], c.DECLARATIONS, c.SMS_REQUESTED) as sms:
        publish_review_event(config, c.DECLARATION_APPROVED,
                             dict(base, reason="同意认定", from_state=c.PENDING_PROVINCE), sequence=4)
        wait_for_state(config, owner, did, lambda v: v["state"] == c.APPROVED)
        [message] = sms.wait(1, where=lambda e: e["data"]["template"] == c.SMS_DECLARATION_APPROVED)
    publish_review_event(config, c.DECLARATION_ADVANCED,
                         dict(base, level=c.PROVINCE, from_state=c.PENDING_CITY), sequence=3)
    publish_review_event(config, c.DECLARATION_ADVANCED,
                         dict(base, level=c.CITY, from_state=c.PENDING_COUNTY), sequence=2)
    view = wait_for_state(config, owner, did, lambda v: len(v["history"]) == 5)
    assert view["state"] == c.APPROVED and view["state_label"] == "已认定"
    assert {h["to_state"] for h in view["history"]} >= {c.PENDING_CITY, c.PENDING_PROVINCE, c.APPROVED}


# --- 提交 without a window: a failure injected at each step -------------------------


@pytest.fixture
def short_hold(config):
    config[c.ENV_INTAKE_HOLD_SECONDS] = "1"
    return config


@pytest.fixture
def ready(short_hold, system, batch):
    owner = enterprise("ent-window")
    with proxy(c.DECLARATIONS, short_hold, owner) as decl:
        did = decl.start(batch["id"], accepted=True, profile={"enterprise_name": "南京玄武创业服务有限公司"})["id"]
        fill_declaration(decl, did)
    add_tenants(short_hold, owner, did, count=2)
    return owner, did


def test_submit_fails_after_tenants_held_intake(short_hold, ready, monkeypatch):
    from services.declarations import submission

    owner, did = ready

    def broken(*args, **kwargs):
        raise RuntimeError("injected: the submission fails after the hold")

    monkeypatch.setattr(submission, "submit", broken)
    with proxy(c.DECLARATIONS, short_hold, owner) as decl:
        with pytest.raises(Exception):
            decl.submit(did)
        assert decl.get(did)["state"] == c.DRAFT
    assert intake_open(short_hold, owner, did) is True  # released at once


def test_submit_gives_up_on_tenants_answer(short_hold, ready, monkeypatch):
    """tenants held intake but its answer was lost (a timeout): released."""
    from services.declarations import service_calls

    owner, did = ready
    original = service_calls.tenants_answer

    def lost_answer(tenants, method, declaration_id):
        result = original(tenants, method, declaration_id)
        if method == c.TENANTS_CLOSE_INTAKE:
            raise BadState("injected: the answer of close_intake was lost")
        return result

    monkeypatch.setattr(service_calls, "tenants_answer", lost_answer)
    with proxy(c.DECLARATIONS, short_hold, owner) as decl:
        with pytest.raises(BadState):
            decl.submit(did)
        assert decl.get(did)["state"] == c.DRAFT
    assert intake_open(short_hold, owner, did) is True


def test_submit_whose_commit_fails_leaves_intake_open(short_hold, ready, monkeypatch):
    """The worker's commit fails after the hold (nothing was saved, no event):
    the hold runs out and the tenants can go on."""
    import eventlet

    from services.common import db

    owner, did = ready
    original = db.Transaction.finish

    def failing_commit(self, failed):
        if self._provider.service_name == c.DECLARATIONS and not failed and self.pending_events:
            original(self, True)
            return RuntimeError("injected: the commit failed")
        return original(self, failed)

    monkeypatch.setattr(db.Transaction, "finish", failing_commit)
    with proxy(c.DECLARATIONS, short_hold, owner) as decl:
        with pytest.raises(Exception):
            decl.submit(did)
    monkeypatch.setattr(db.Transaction, "finish", original)
    with proxy(c.DECLARATIONS, short_hold, owner) as decl:
        assert decl.get(did)["state"] == c.DRAFT
    assert intake_open(short_hold, owner, did) is False  # held for the 提交 that never said
    eventlet.sleep(1.2)
    assert intake_open(short_hold, owner, did) is True


def test_a_committed_submission_closes_intake_for_good(short_hold, ready):
    import eventlet

    owner, did = ready
    with proxy(c.DECLARATIONS, short_hold, owner) as decl:
        assert decl.submit(did)["submitted"]
    eventlet.sleep(1.5)  # longer than the hold: closed by the event, not the hold
    assert intake_open(short_hold, owner, did) is False
    with proxy(c.TENANTS, short_hold, owner) as tenants:
        assert tenants.reopen_intake(did) == {"intake_open": False}


def test_the_application_must_name_the_registered_enterprise(system, config, batch):
    """The credit code and 运营主体 are checked against accounts' record of the
    calling enterprise, not against anything the caller passes."""
    owner = enterprise("ent-record")
    ACCOUNT_RECORDS[owner.id] = {"name": "南京另一家服务有限公司", "credit_code": "91320102MA1XYW1299"}
    with proxy(c.DECLARATIONS, config, owner) as decl:
        did = decl.start(batch["id"], accepted=True, profile={"enterprise_name": "南京玄武创业服务有限公司"})["id"]
        fill_declaration(decl, did)
    add_tenants(config, owner, did, count=2)
    with proxy(c.DECLARATIONS, config, owner) as decl:
        refused = decl.submit(did)
        assert refused["submitted"] is False
        fields = {p["field"] for p in refused["problems"] if p["blocking"]}
        assert {"credit_code", "operator_name"} <= fields
        assert any("南京另一家服务有限公司" in p["message"] for p in refused["problems"])
        assert decl.get(did)["state"] == c.DRAFT
    assert intake_open(config, owner, did) is True
