"""The one-page intake on the tenants service (real RabbitMQ and PostgreSQL):
the steps' description with its hash, every step at once at 确认提交 checked
in full, exactly once, the intake hold, and fields a page did not carry."""
import pytest

from services.common import contracts
from services.common.errors import BadState, Conflict, ValidationFailed
from services.tenants import intake_pages
from tests.support.events import listen_events
from tests.support.identifiers import credit_code
from tests.tenants.helpers import DECL, entry_data, new_device


def test_the_steps_are_described_once_with_a_hash_the_pages_carry(tenant, token):
    described = tenant.describe_steps()
    assert [part["key"] for part in described["parts"]] == ["base", "basic", "operations"]
    assert [part["label"] for part in described["parts"]] == ["所属基地信息", "基本信息", "运营数据"]
    leased = next(f for f in described["parts"][0]["fields"] if f["key"] == "leased_area")
    assert (leased["label"], leased["type"], leased["unit"], leased["required"]) == ("租用面积", "amount", "㎡", True)
    assert tenant.describe_steps()["hash"] == described["hash"]
    context = tenant.intake_context(token, new_device())
    assert context["description_hash"] == described["hash"] and "steps" not in context


def test_every_step_at_once_is_stored_exactly_once(owner, tenant, token, config):
    device, data = new_device(), entry_data()
    with listen_events(config["AMQP_URI"], contracts.TENANTS, contracts.TENANT_SUBMITTED) as events:
        receipt = tenant.submit_intake_entry(token, data, device, notice=None)
        [envelope] = events.wait(1)
    assert envelope["data"]["tenant_entry_id"] == receipt["entry_id"] and receipt["repeated"] is False
    # 确认提交 pressed again (the same answers, the same phone): the first receipt.
    again = tenant.submit_intake_entry(token, data, device)
    assert (again["entry_id"], again["repeated"]) == (receipt["entry_id"], True)
    [row] = owner.list_entries(DECL)
    assert row["credit_code"] == data["basic"]["credit_code"] and row["submissions"] == 1
    # Another phone with the same credit code is refused, with when it came in.
    with pytest.raises(Conflict) as refused:
        tenant.submit_intake_entry(token, data, new_device())
    assert "不能重复提交" in refused.value.message


def test_the_full_check_names_the_failing_step_and_stores_nothing(owner, tenant, token):
    data = entry_data()
    data["base"]["leased_area"] = "1,200"
    del data["operations"]["tax"]
    with pytest.raises(ValidationFailed) as failed:
        tenant.submit_intake_entry(token, data, new_device())
    assert failed.value.message == "请先完成“所属基地信息”"
    assert "不要使用逗号" in failed.value.errors["leased_area"]
    assert failed.value.errors["tax"] == "此项为必填项"
    data = entry_data()
    data["base"]["move_in_date"] = "2020-01-01"  # before the company was founded
    with pytest.raises(ValidationFailed) as failed:
        tenant.submit_intake_entry(token, data, new_device())
    assert failed.value.errors == {"move_in_date": "入驻日期不能早于企业成立日期"}
    assert owner.list_entries(DECL) == []


def test_nothing_comes_in_while_a_submission_holds_intake(owner, tenant, token):
    owner.close_intake(DECL)
    with pytest.raises(BadState) as closed:
        tenant.submit_intake_entry(token, entry_data(), new_device())
    assert closed.value.message == intake_pages.CLOSED_MESSAGE
    owner.reopen_intake(DECL)
    assert tenant.submit_intake_entry(token, entry_data(), new_device())["reference"].startswith("RZ")


def test_a_save_without_a_field_never_blanks_it(owner, tenant, token):
    """A page drawn from an older description does not carry a field: saving
    it keeps that field's value (a step save, and a correction at 确认提交)."""
    device, data = new_device(), entry_data(credit_code())
    for key in ("base", "basic", "operations"):
        tenant.save_intake_step(token, key, data[key], device)
    without = {k: v for k, v in data["operations"].items() if k != "qualifications"}
    tenant.save_intake_step(token, "operations", without, device)
    assert tenant.intake_context(token, device)["draft"]["operations"]["qualifications"] == ["专精特新"]
    # Carried and left empty, it is cleared.
    tenant.save_intake_step(token, "operations", {**without, "qualifications": []}, device)
    assert "qualifications" not in tenant.intake_context(token, device)["draft"]["operations"]

    receipt = tenant.submit_intake_entry(token, {**data, "operations": data["operations"]}, device)
    owner.reopen_entry(DECL, receipt["entry_id"])
    tenant.intake_context(token, device)  # the phone opens the link: the entry comes back to correct
    corrected = tenant.submit_intake_entry(token, {"operations": {"employees": "99"}}, device)
    assert corrected["entry_id"] == receipt["entry_id"]
    entry = owner.get_entry(DECL, receipt["entry_id"])
    assert entry["data"]["operations"]["qualifications"] == ["专精特新"]
    assert (entry["employees"], entry["submissions"]) == (99, 2)


def test_the_same_press_twice_at_once_stores_one_entry(token, config, db_engine):
    """Two 确认提交 of the same answers from one phone in flight together
    (a double tap on a slow network): one entry, both answered with it."""
    import eventlet
    from sqlalchemy.orm import Session

    from services.tenants import submission

    engine = db_engine(contracts.TENANTS)
    data, device, sent = submission.check_all(entry_data(credit_code())), new_device(), []

    def dispatch(event_type, payload):
        sent.append((event_type, payload))

    with Session(engine) as first, Session(engine) as second:
        receipt = submission.store(first, intake_pages.resolve(first, token, config), data, device, dispatch, None)

        def press_again():
            link = intake_pages.resolve(second, token, config)
            return submission.store(second, link, data, device, dispatch, None)

        again = eventlet.spawn(press_again)
        eventlet.sleep(0.2)  # let it wait on the first one's row
        first.commit()
        repeated = again.wait()
        second.commit()
    assert (repeated["entry_id"], repeated["repeated"]) == (receipt["entry_id"], True)
    assert len(sent) == 1  # one tenant_submitted
