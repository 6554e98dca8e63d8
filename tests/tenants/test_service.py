"""The tenants service on the real RabbitMQ and PostgreSQL: links, the
tenant's steps and 确认提交, duplicates, closing and reopening, the
enterprise's review of the entries, access."""
import datetime as dt

import eventlet
import pytest
from kombu import Connection
from sqlalchemy import text

from services.common import contracts as c
from services.common import outbox
from services.common.errors import BadState, Conflict, Forbidden, NotFound, ValidationFailed
from services.common.principal import Principal
from services.tenants import links
from services.tenants.service import TenantsService
from tests.support.events import listen_events
from tests.support.identifiers import credit_code
from tests.tenants.helpers import (
    CLOSES,
    DECL,
    wait_until,
    ADMIN,
    BASE_NAME,
    OTHER,
    OWNER,
    REVIEWER,
    entry_data,
    fill,
    new_device,
    proxy,
    publish_declaration,
    started,
    wait_for_copy,
)

def submit(tenant, token, data=None, device=None):
    device = device or new_device()
    data = data or entry_data()
    fill(tenant, token, device, data)
    return tenant.submit_intake(token, device)


def test_a_tenant_fills_the_steps_and_submits_once(owner, tenant, token, config):
    status = owner.open_link(DECL, BASE_NAME, CLOSES)
    assert status["token"] == token and status["url_path"] == f"/intake/{token}"
    device = new_device()
    context = tenant.intake_context(token, device)
    assert context["base_name"] == BASE_NAME and context["intake_open"] is True
    described = tenant.describe_steps()
    assert [part["label"] for part in described["parts"]] == ["所属基地信息", "基本信息", "运营数据"]
    assert context["description_hash"] == described["hash"]  # the page says which description it goes with
    assert context["draft"] == {}

    data = entry_data()
    with listen_events(config["AMQP_URI"], c.TENANTS, c.TENANT_SUBMITTED) as events:
        fill(tenant, token, device, data)
        receipt = tenant.submit_intake(token, device)
        [envelope] = events.wait(1)
    assert envelope["data"] == {"declaration_id": DECL, "tenant_entry_id": receipt["entry_id"]}
    assert receipt["company_name"] == "南京示例科技有限公司" and receipt["reference"].startswith("RZ")

    [row] = owner.list_entries(DECL)
    assert row["credit_code"] == data["basic"]["credit_code"]
    assert (row["size"], row["state"], row["state_label"]) == ("小型", "submitted", "已提交")
    entry = owner.get_entry(DECL, row["id"])
    assert entry["data"]["operations"]["revenue"] == "1234.50"
    assert entry["answers"][0]["title"] == "所属基地信息"

    # 确认提交 pressed again: the same receipt, nothing stored twice.
    again = tenant.submit_intake(token, device)
    assert again["entry_id"] == receipt["entry_id"] and again["repeated"] is True
    assert len(owner.list_entries(DECL)) == 1


def test_a_tenant_who_left_midway_continues_on_the_same_device(tenant, token):
    device = new_device()
    data = entry_data()
    tenant.save_intake_step(token, "base", data["base"], device)
    tenant.save_intake_step(token, "basic", data["basic"], device)
    context = tenant.intake_context(token, device)
    assert context["completed_steps"] == ["base", "basic"]
    assert context["draft"]["basic"]["credit_code"] == data["basic"]["credit_code"]
    assert tenant.intake_context(token, new_device())["draft"] == {}


def test_field_checks_come_back_per_field(tenant, token):
    data = entry_data()["operations"]
    data.update(revenue="1,234.50", employees="")
    with pytest.raises(ValidationFailed) as err:
        tenant.save_intake_step(token, "operations", data, new_device())
    assert err.value.errors == {
        "revenue": "金额请填写数字，最多两位小数，不要使用逗号",
        "employees": "此项为必填项",
    }
    device = new_device()
    tenant.save_intake_step(token, "base", entry_data()["base"], device)
    with pytest.raises(ValidationFailed) as err:
        tenant.submit_intake(token, device)
    assert err.value.message == "请先完成“基本信息”"


def test_a_second_submission_of_a_credit_code_is_refused_with_when(owner, tenant, token):
    code = credit_code()
    submit(tenant, token, entry_data(code))
    with pytest.raises(ValidationFailed) as err:
        tenant.save_intake_step(token, "basic", entry_data(code)["basic"], new_device())
    message = err.value.errors["credit_code"]
    assert code in message and "已于" in message and "不能重复提交" in message

    # Two devices that both got past 基本信息 before either submitted.
    code2 = credit_code()
    first, second = new_device(), new_device()
    fill(tenant, token, first, entry_data(code2))
    fill(tenant, token, second, entry_data(code2, name="另一个名称"))
    tenant.submit_intake(token, first)
    with pytest.raises(Conflict) as err:
        tenant.submit_intake(token, second)
    assert "已于" in err.value.message
    assert sorted(r["credit_code"] for r in owner.list_entries(DECL)) == sorted([code, code2])


def test_a_revoked_link_stops_working_and_a_new_one_does(owner, tenant, token):
    device = new_device()
    tenant.save_intake_step(token, "base", entry_data()["base"], device)
    status = owner.revoke_link(DECL)
    assert status["active"] is False and status["token"] is None
    for call in (
        lambda: tenant.intake_context(token, device),
        lambda: tenant.save_intake_step(token, "basic", entry_data()["basic"], device),
        lambda: tenant.submit_intake(token, device),
    ):
        with pytest.raises(BadState) as err:
            call()
        assert err.value.message == links.REVOKED_MESSAGE
    fresh = owner.open_link(DECL, BASE_NAME, CLOSES)
    assert fresh["token"] != token and fresh["serial"] == 2
    assert tenant.intake_context(fresh["token"], device)["intake_open"] is True
    # Asking again gives the same link; renew=True makes another one.
    assert owner.open_link(DECL, BASE_NAME, CLOSES)["token"] == fresh["token"]
    renewed = owner.open_link(DECL, BASE_NAME, CLOSES, renew=True)
    assert renewed["serial"] == 3
    with pytest.raises(BadState):
        tenant.intake_context(fresh["token"], device)


def test_tampered_and_expired_tokens_are_refused(owner, tenant, token, db_engine):
    with pytest.raises(NotFound):
        tenant.intake_context(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), new_device())
    with pytest.raises(NotFound):
        tenant.intake_context("nonsense", new_device())
    # A token forged for another declaration with a stolen nonce is still unsigned.
    body, mac = token.split(".")
    with pytest.raises(NotFound):
        tenant.intake_context(links._b64(b'{"d":"decl-9999","n":"x","s":1}') + "." + mac, new_device())

    # The batch closed: the stored expiry has passed (the token's own too).
    with db_engine(c.TENANTS).begin() as conn:
        conn.execute(text("UPDATE intake_links SET expires_at = now() - interval '1 minute'"))
    with pytest.raises(BadState) as err:
        tenant.intake_context(token, new_device())
    assert err.value.message == links.EXPIRED_MESSAGE
    status = owner.link_status(DECL)
    assert status["expired"] is True and status["active"] is False
    past = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)).isoformat()
    with pytest.raises(BadState):
        owner.open_link("decl-0002", BASE_NAME, past)


def test_closing_returns_totals_and_the_page_says_it_is_closed(owner, tenant, token, config):
    submit(tenant, token, entry_data(size="小型", employees=10, revenue="100"))
    submit(tenant, token, entry_data(size="微型", employees=5, revenue="20.5"))
    submit(tenant, token, entry_data(size="中型", employees=300, revenue="9000"))
    half_done = new_device()
    tenant.save_intake_step(token, "base", entry_data()["base"], half_done)

    totals = owner.close_intake(DECL)  # the hold of a 提交
    assert totals["count"] == 3 and totals["small_micro_count"] == 2
    assert totals["small_micro_share"] == pytest.approx(0.6667)
    assert (totals["employees"], totals["small_micro_employees"]) == (315, 15)
    assert totals["revenue"] == "9120.50"

    context = tenant.intake_context(token, half_done)
    assert context["intake_open"] is False and "已关闭" in context["closed_message"]
    with pytest.raises(BadState):
        tenant.save_intake_step(token, "basic", entry_data()["basic"], half_done)
    [first, *_] = owner.list_entries(DECL)
    with pytest.raises(BadState):
        owner.exclude_entry(DECL, first["id"], "不在本基地")
    assert owner.close_intake(DECL) == totals  # idempotent

    owner.reopen_intake(DECL)  # the 提交 did not go through
    assert tenant.intake_context(token, half_done)["intake_open"] is True
    assert owner.link_status(DECL)["intake_open"] is True


def test_a_hold_nobody_releases_runs_out(container_factory, config, tenant):
    held = dict(config, **{c.ENV_INTAKE_HOLD_SECONDS: 1})
    container_factory(TenantsService, held).start()
    started(config, DECL)
    with proxy(config, OWNER) as owner:
        token = owner.open_link(DECL, BASE_NAME, CLOSES)["token"]
        owner.close_intake(DECL)  # then declarations dies before its commit
        assert owner.link_status(DECL)["intake_open"] is False
        eventlet.sleep(1.2)
        assert owner.link_status(DECL)["intake_open"] is True
    assert submit(tenant, token)["reference"]


def test_a_declaration_tenants_was_never_told_of_is_nobodys(owner, config):
    """The first caller cannot claim a declaration id (issue: whoever opened
    the link first owned it)."""
    with proxy(config, OTHER) as other:
        with pytest.raises(BadState):
            other.open_link("decl-empty", BASE_NAME, CLOSES)
        with pytest.raises(BadState):
            other.close_intake("decl-empty")
    started(config, "decl-empty")  # OWNER's, as declarations says
    with proxy(config, OTHER) as other:
        with pytest.raises(NotFound):
            other.open_link("decl-empty", BASE_NAME, CLOSES)
    assert owner.open_link("decl-empty", BASE_NAME, CLOSES)["active"] is True


def test_excluding_and_reopening_an_entry(owner, tenant, token):
    device = new_device()
    data = entry_data(size="小型", employees=20)
    receipt = submit(tenant, token, data, device)
    entry_id = receipt["entry_id"]

    with pytest.raises(ValidationFailed) as err:
        owner.exclude_entry(DECL, entry_id, "  ")
    assert err.value.errors == {"reason": "请填写排除原因"}
    excluded = owner.exclude_entry(DECL, entry_id, "已迁出本基地")
    assert (excluded["state_label"], excluded["excluded_reason"]) == ("已排除", "已迁出本基地")
    assert owner.totals(DECL)["count"] == 0 and owner.totals(DECL)["excluded_count"] == 1
    # Excluded is still "submitted": the same code cannot come in again.
    with pytest.raises(ValidationFailed):
        tenant.save_intake_step(token, "basic", data["basic"], new_device())

    reopened = owner.reopen_entry(DECL, entry_id)
    assert reopened["state"] == "reopened"
    # The tenant opens the link on the same device: the entry comes back to edit.
    context = tenant.intake_context(token, device)
    assert context["correcting"] is True
    assert context["draft"]["basic"]["credit_code"] == data["basic"]["credit_code"]
    corrected = dict(context["draft"]["operations"], employees="25")
    tenant.save_intake_step(token, "operations", corrected, device)
    again = tenant.submit_intake(token, device)
    assert again["entry_id"] == entry_id and again["resubmitted"] is True
    entry = owner.get_entry(DECL, entry_id)
    assert (entry["state"], entry["submissions"], entry["employees"]) == ("submitted", 2, 25)
    assert owner.totals(DECL)["count"] == 1


def test_a_reopened_entry_can_be_corrected_from_another_device(owner, tenant, token):
    code = credit_code()
    receipt = submit(tenant, token, entry_data(code, employees=1))
    owner.reopen_entry(DECL, receipt["entry_id"])
    again = submit(tenant, token, entry_data(code, employees=2))
    assert again["entry_id"] == receipt["entry_id"]
    [row] = owner.list_entries(DECL)
    assert (row["state"], row["employees"]) == ("submitted", 2)


def test_access_is_decided_from_the_principal(service, config, owner, tenant, token):
    entry_id = submit(tenant, token)["entry_id"]
    with proxy(config, OTHER) as other:
        with pytest.raises(NotFound):
            other.open_link(DECL, "别人的基地", CLOSES)
        with pytest.raises(NotFound):
            other.list_entries(DECL)
        with pytest.raises(NotFound):
            other.revoke_link(DECL)
        with pytest.raises(NotFound):
            other.close_intake(DECL)
        with pytest.raises(NotFound):
            other.exclude_entry(DECL, entry_id, "x")
    county = REVIEWER  # county reviewer of 320102
    other_county = Principal(kind=c.REVIEWER, id="rev-2", region_code="320104", level=c.COUNTY)
    city = Principal(kind=c.REVIEWER, id="rev-3", region_code="320100", level=c.CITY)
    other_city = Principal(kind=c.REVIEWER, id="rev-4", region_code="320500", level=c.CITY)
    with proxy(config, county) as reviewer:
        with pytest.raises(NotFound):  # a draft is the enterprise's own
            reviewer.list_entries(DECL)
    publish_declaration(config, DECL, 2, state=c.PENDING_COUNTY, version=1)
    wait_for_copy(config, DECL, 2)
    with proxy(config, county) as reviewer:
        assert len(reviewer.list_entries(DECL)) == 1
        assert reviewer.totals(DECL)["count"] == 1
        assert reviewer.link_status(DECL)["token"] is None  # only the owner sees the link
        with pytest.raises(Forbidden):
            reviewer.exclude_entry(DECL, entry_id, "x")
        with pytest.raises(Forbidden):
            reviewer.close_intake(DECL)
    with proxy(config, city) as reviewer:
        assert reviewer.totals(DECL)["count"] == 1
    for outsider in (other_county, other_city):
        with proxy(config, outsider) as reviewer:
            with pytest.raises(NotFound):
                reviewer.list_entries(DECL)
            with pytest.raises(NotFound):
                reviewer.get_entry(DECL, entry_id)
    with proxy(config, ADMIN) as admin:
        assert admin.get_entry(DECL, entry_id)["id"] == entry_id
    from services.common.errors import Unauthenticated

    with pytest.raises(Unauthenticated):
        tenant.list_entries(DECL)  # anonymous
    with pytest.raises(Unauthenticated):
        tenant.open_link(DECL, BASE_NAME, CLOSES)
    with pytest.raises(BadState):  # one tenants was never told of
        owner.get_entry("decl-other", entry_id)
    # submitted: the owner cannot reopen intake (release a hold) into editing
    assert owner.reopen_intake(DECL) == {"intake_open": False}
    assert owner.link_status(DECL)["intake_open"] is False


def test_intake_follows_the_declarations_state_by_sequence(service, owner, tenant, token, config, db_engine):
    """Returned reopens intake, resubmitted closes it; an older event (a
    retried or replayed 已退回 after the resubmission, or after 认定) changes
    nothing."""
    device = new_device()
    submitted = publish_declaration(config, DECL, 2, state=c.PENDING_COUNTY, version=1)
    wait_for_copy(config, DECL, 2)
    assert tenant.intake_context(token, device)["intake_open"] is False

    returned = publish_declaration(config, DECL, 3, state=c.RETURNED, version=1)
    wait_for_copy(config, DECL, 3)
    assert tenant.intake_context(token, device)["intake_open"] is True
    fill(tenant, token, device, entry_data())
    assert tenant.submit_intake(token, device)["reference"]

    publish_declaration(config, DECL, 4, state=c.PENDING_COUNTY, version=2)  # resubmitted
    wait_for_copy(config, DECL, 4)
    publish_declaration(config, DECL, 3, state=c.RETURNED, version=1)  # a replay, new event id
    publish_declaration(config, DECL, 3, state=c.RETURNED, version=1, event_id=returned["event_id"])
    publish_declaration(config, DECL, 2, state=c.PENDING_COUNTY, version=1, event_id=submitted["event_id"])
    publish_declaration(config, DECL, 5, state=c.APPROVED, version=2)
    wait_for_copy(config, DECL, 5)
    publish_declaration(config, DECL, 3, state=c.RETURNED, version=1)  # after 认定
    engine = db_engine(c.TENANTS)

    def handled():
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM processed_events")).scalar() >= 7  # distinct event ids

    assert wait_until(handled)
    assert tenant.intake_context(token, new_device())["intake_open"] is False
    with pytest.raises(BadState):
        owner.exclude_entry(DECL, owner.list_entries(DECL)[0]["id"], "x")
    assert owner.reopen_intake(DECL) == {"intake_open": False}
    with engine.connect() as conn:
        row = conn.execute(text("SELECT state, sequence, version FROM intake_links")).one()
        assert tuple(row) == (c.APPROVED, 5, 2)
        assert conn.execute(text("SELECT count(*) FROM failed_events")).scalar() == 0
