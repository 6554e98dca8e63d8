"""The batch's deadlines on the real RabbitMQ and PostgreSQL: once the batch
has closed, every change of a draft is refused by the service (not only
hidden by the pages); a returned or withdrawn declaration may change until
the batch's 补正截止; the declaration tells the data page its deadline and
the time left, in Beijing time."""
import datetime as dt

import pytest

from services.common import blobs
from services.common import contracts as c
from services.common.clock import beijing_today
from services.common.errors import BadState
from services.declarations import sections as s
from tests.declarations.helpers import ADMIN, batch_form, enterprise, ledger_row, person
from tests.declarations.fixtures import batch, proxy, publish_review_event, system  # noqa: F401  (fixtures)
from tests.declarations.submitting import fill_declaration, submitted_declaration, wait_for_state

def png():
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return out.getvalue()


def days(n):
    return (beijing_today() + dt.timedelta(days=n)).isoformat()


def move_dates(config, batch_id, closes, resubmit):
    """The admin moves the batch's 截止日期 and 补正截止日期 (days from today)."""
    with proxy(c.DECLARATIONS, config, ADMIN) as admin:
        admin.save_batch(batch_form(opens_on=days(-10), closes_on=days(closes), resubmit_until=days(resubmit)),
                         batch_id)


def every_change(config, owner, did):
    """Each RPC that changes the declaration, called once; {name: message}
    of those refused with BadState."""
    refused = {}
    with proxy(c.DECLARATIONS, config, owner) as decl:
        view = decl.get(did)
        row_id = view["sections"][s.PERSONNEL][0]["id"]
        attachment_id = view["attachments"][0]["id"] if view["attachments"] else None
        calls = {
            "save_section": lambda: decl.save_section(did, s.APPLICATION, view["sections"][s.APPLICATION]),
            "save_row (add)": lambda: decl.save_row(did, s.PERSONNEL, person(name="孙八")),
            "save_row (edit)": lambda: decl.save_row(did, s.PERSONNEL, person(name="孙八"), row_id),
            "delete_row": lambda: decl.delete_row(did, s.PERSONNEL, row_id),
            "import_ledger": lambda: decl.import_ledger(did, blobs.temp_key(owner), "append"),
            "add_attachment": lambda: decl.add_attachment(did, "营业执照或法人证书", blobs.temp_key(owner), "执照.png"),
            "preflight": lambda: decl.preflight(did),
            "submit": lambda: decl.submit(did),
        }
        if attachment_id:
            calls["delete_attachment"] = lambda: decl.delete_attachment(attachment_id)
        for name, call in calls.items():
            try:
                call()
            except BadState as exc:
                refused[name] = exc.message
    return refused


def with_attachment(config, owner, did):
    key = blobs.temp_key(owner)
    blobs.blob_store(config).put(key, png(), "image/png")
    with proxy(c.DECLARATIONS, config, owner) as decl:
        decl.add_attachment(did, "营业执照或法人证书", key, "执照.png")


@pytest.fixture
def draft(system, config, batch):
    owner = enterprise("ent-late")
    with proxy(c.DECLARATIONS, config, owner) as decl:
        did = decl.start(batch["id"], accepted=True, profile={"enterprise_name": "南京玄武创业服务有限公司"})["id"]
        fill_declaration(decl, did)
    with_attachment(config, owner, did)
    return owner, did


def test_after_the_close_every_change_of_a_draft_is_refused(config, batch, draft):
    owner, did = draft
    move_dates(config, batch["id"], closes=-1, resubmit=5)
    refused = every_change(config, owner, did)
    closes = f"{days(-1)} 23:59"  # Beijing time
    expected = f"本批次已截止，不能再修改或提交（截止时间：{closes}）"
    assert refused == {name: expected for name in (
        "save_section", "save_row (add)", "save_row (edit)", "delete_row", "import_ledger",
        "add_attachment", "delete_attachment", "preflight", "submit")}
    with proxy(c.DECLARATIONS, config, owner) as decl:
        view = decl.get(did)
        [listed] = decl.list_mine()
    assert view["sections"][s.PERSONNEL][0]["name"] != "孙八" and len(view["attachments"]) == 1
    assert (view["editable"], view["closed"], view["closed_message"]) == (False, True, expected)
    assert (view["deadline_label"], view["deadline_text"], view["time_left"]) == ("截止时间", closes, "已截止")
    assert listed["closed"] is True and listed["editable"] is False


def test_before_the_close_the_draft_tells_its_deadline_and_time_left(config, batch, draft):
    owner, did = draft
    move_dates(config, batch["id"], closes=2, resubmit=5)
    with proxy(c.DECLARATIONS, config, owner) as decl:
        view = decl.get(did)
        decl.save_row(did, s.LEDGER, ledger_row(content="截止前仍可保存"))
    assert view["editable"] is True and view["closed"] is False
    assert view["deadline_label"] == "截止时间" and view["deadline_text"] == f"{days(2)} 23:59"
    assert view["time_left"].startswith(("2 天", "3 天"))  # two days and the rest of today


def test_a_returned_declaration_may_change_until_the_resubmission_deadline(config, batch):
    owner = enterprise("ent-late-returned")
    did = submitted_declaration(config, batch, owner)
    publish_review_event(config, c.DECLARATION_RETURNED, {
        "declaration_id": did, "enterprise_id": owner.id, "version": 1, "level": c.COUNTY,
        "reason": "请补充", "sections": [s.PERSONNEL], "from_state": c.PENDING_COUNTY}, sequence=2)
    wait_for_state(config, owner, did, lambda v: v["state"] == c.RETURNED)
    move_dates(config, batch["id"], closes=-1, resubmit=1)
    with proxy(c.DECLARATIONS, config, owner) as decl:
        decl.save_row(did, s.PERSONNEL, person(name="补正人员"))
        view = decl.get(did)
    assert (view["editable"], view["deadline_label"], view["deadline_text"]) == (True, "补正截止", f"{days(1)} 23:59")
    move_dates(config, batch["id"], closes=-2, resubmit=-1)
    refused = every_change(config, owner, did)
    assert set(refused) == {"save_section", "save_row (add)", "save_row (edit)", "delete_row", "import_ledger",
                            "add_attachment", "preflight", "submit"}  # it has no attachment to delete
    assert set(refused.values()) == {f"已超过本批次的补正截止时间，不能再修改或提交（补正截止：{days(-1)} 23:59）"}
