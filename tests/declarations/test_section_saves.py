"""A section's 保存, 删除 and 导入 on the real broker and database: the
declarations service decides, under the declaration's lock, that the caller
owns it and may change it now; a save keeps the fields it was not sent; a
section page reads that one section; the descriptions the gateway draws
from."""
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from services.common import contracts as c
from services.common import spreadsheets
from services.common.errors import BadState, NotFound, ValidationFailed
from services.declarations import batches, editing, ledger_import
from services.declarations.contents import section_data
from services.declarations import sections as s
from tests.declarations.helpers import ADMIN, application, batch_form, enterprise, person
from tests.declarations.fixtures import batch, proxy, system  # noqa: F401 (fixtures)

OWNER, OTHER = enterprise("ent-1"), enterprise("ent-2")


@pytest.fixture
def started(system, config, batch):
    with proxy(c.DECLARATIONS, config, OWNER) as decl:
        did = decl.start(batch["id"], accepted=True)["id"]
        decl.save_section(did, s.APPLICATION, application())
        row = decl.save_row(did, s.PERSONNEL, person())
    return did, row["row_id"]


def set_state(db_engine, did, state):
    with db_engine(c.DECLARATIONS).begin() as db:
        db.execute(text("UPDATE declarations SET state = :state WHERE id = :id"), {"state": state, "id": did})


def every_change(decl, did, row_id):
    """Each change of a section an enterprise can make, as a call."""
    return {
        "save_section": lambda: decl.save_section(did, s.APPLICATION, application(base_name="改名")),
        "save_row": lambda: decl.save_row(did, s.PERSONNEL, person(name="新人")),
        "edit_row": lambda: decl.save_row(did, s.PERSONNEL, person(title="副主任"), row_id=row_id),
        "delete_row": lambda: decl.delete_row(did, s.PERSONNEL, row_id),
    }


def test_another_enterprise_changes_nothing_and_learns_nothing(started, config):
    did, row_id = started
    with proxy(c.DECLARATIONS, config, OTHER) as decl:
        for name, change in every_change(decl, did, row_id).items():
            with pytest.raises(NotFound) as refused:
                change()
            assert refused.value.message == "未找到该申报", name
        with pytest.raises(NotFound):
            decl.section_view(did, s.APPLICATION)
    with proxy(c.DECLARATIONS, config, OWNER) as decl:
        d = decl.get(did)
    assert d["sections"][s.APPLICATION]["base_name"] == application()["base_name"]
    assert [r["name"] for r in d["sections"][s.PERSONNEL]] == [person()["name"]]


def test_a_declaration_under_review_or_past_its_deadline_is_not_changed(started, config, db_engine):
    did, row_id = started
    set_state(db_engine, did, c.PENDING_COUNTY)
    with proxy(c.DECLARATIONS, config, OWNER) as decl:
        for name, change in every_change(decl, did, row_id).items():
            with pytest.raises(BadState) as refused:
                change()
            assert "申报当前状态为“待区县审核”，不能修改" in refused.value.message, name
        assert decl.section_view(did, s.PERSONNEL)["editable"] is False
    set_state(db_engine, did, c.RETURNED)
    with db_engine(c.DECLARATIONS).begin() as db:
        db.execute(text("UPDATE batches SET resubmit_until = now() - interval '1 day'"))
    with proxy(c.DECLARATIONS, config, OWNER) as decl:
        for name, change in every_change(decl, did, row_id).items():
            with pytest.raises(BadState) as refused:
                change()
            assert refused.value.message.startswith("已超过本批次的补正截止时间，不能再修改或提交（补正截止："), name
        d = decl.get(did)
    assert d["sections"][s.APPLICATION]["base_name"] == application()["base_name"]
    assert len(d["sections"][s.PERSONNEL]) == 1 and d["sections"][s.PERSONNEL][0]["title"] == person()["title"]


def test_a_save_keeps_the_fields_it_was_not_sent_and_clears_those_sent_empty(started, config):
    did, row_id = started
    with proxy(c.DECLARATIONS, config, OWNER) as decl:
        decl.save_section(did, s.APPLICATION, {"base_name": "玄武创业园二期", "email": ""})
        decl.save_row(did, s.PERSONNEL, {"title": "副主任"}, row_id=row_id)
        d = decl.get(did)
    app = d["sections"][s.APPLICATION]
    assert app["base_name"] == "玄武创业园二期" and app["revenue"] == "860.25" and "email" not in app
    row = d["sections"][s.PERSONNEL][0]
    assert row["title"] == "副主任" and row["name"] == person()["name"] and row["id"] == row_id


def test_a_section_page_reads_that_section_only(started, config, batch):
    did, _row_id = started
    with proxy(c.DECLARATIONS, config, OWNER) as decl:
        page = decl.section_view(did, s.PERSONNEL)
        files = decl.section_view(did, s.ATTACHMENTS)
        form = decl.section_view(did, s.APPLICATION)
        with pytest.raises(NotFound):
            decl.section_view(did, "history")
    assert page["editable"] is True and page["state"] == c.DRAFT and [r["name"] for r in page["rows"]] == [person()["name"]]
    assert "sections" not in page and "history" not in page and "attachments" not in page
    assert page["resubmit_until"] == batch["resubmit_until"] and page["closes_at"] == batch["closes_at"]
    assert files["attachments"] == [] and files["max_attachment_mb"] == batch["max_attachment_mb"]
    assert form["values"]["base_name"] == application()["base_name"] and form["prefilled"] == []
    with proxy(c.DECLARATIONS, config) as anonymous:
        assert form["description_hash"] == anonymous.describe_sections()["hash"]


def test_the_descriptions_are_one_format_and_the_ledger_template_is_drawn_from_its_part(system, config):
    with proxy(c.DECLARATIONS, config) as anonymous:
        sections_described = anonymous.describe_sections()
        batch_described = anonymous.describe_batch_form()
    for described in (sections_described, batch_described):
        assert set(described) == {"hash", "parts"} and len(described["hash"]) == 32
    ledger = next(p for p in sections_described["parts"] if p["key"] == s.LEDGER)
    data = spreadsheets.import_template(ledger)
    assert ledger_import.parse(data) == ledger_import.parse(ledger_import.template())
    assert len(ledger_import.parse(data)) == 1  # its example row imports
    keys = [f["key"] for p in batch_described["parts"] for f in p["fields"]]
    assert sorted(keys) == sorted(f.key for f in batches.BATCH_SCHEMA)


def test_a_batch_saved_from_a_form_without_a_field_keeps_it(system, config):
    with proxy(c.DECLARATIONS, config, ADMIN) as decl:
        b = decl.save_batch(batch_form(min_partners="3", required_attachments=["申请报告"]))
        older = {k: v for k, v in batch_form(name="改名的批次").items() if k not in ("required_attachments", "min_partners")}
        decl.save_batch(older, batch_id=b["id"])
        again = decl.batch_form(b["id"])
    assert again["name"] == "改名的批次" and again["required_attachments"] == ["申请报告"] and again["min_partners"] == 3


def test_two_rows_added_at_once_are_both_kept(started, db_engine):
    """A save waiting for another's lock reads the rows that one left."""
    did, _row_id = started
    engine = db_engine(c.DECLARATIONS)
    first, second = Session(engine), Session(engine)
    editing.save_row(first, OWNER, did, s.PERSONNEL, person(name="甲"))  # holds the locks, not committed yet
    waiting = threading.Thread(target=lambda: (editing.save_row(second, OWNER, did, s.PERSONNEL, person(name="乙")),
                                               second.commit()))
    waiting.start()
    with engine.connect() as watch:  # until the second save waits for the first's lock
        for _ in range(600):
            blocked = watch.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )).scalar()
            if blocked:
                break
            time.sleep(0.05)
    first.commit()
    waiting.join(timeout=60)
    first.close(), second.close()
    with Session(engine) as session:
        rows = section_data(session, did)[s.PERSONNEL]
    assert sorted(r["name"] for r in rows) == sorted([person()["name"], "甲", "乙"])


def test_racing_and_repeated_saves_with_one_key_add_one_row(started, config):
    """The save records its idempotency key in its own write, under the
    declaration's lock: a repeat waiting for that lock finds the stored
    answer; a refused save stores nothing and its key can be used again."""
    did, _row_id = started
    with proxy(c.DECLARATIONS, config, OWNER) as decl:
        replies = [decl.save_row.call_async(did, s.PERSONNEL, person(name="丙"), idempotency_key="same-press")
                   for _ in range(4)]
        results = [reply.result() for reply in replies]
        assert all(r == results[0] for r in results) and results[0]["count"] == 2
        assert decl.save_row(did, s.PERSONNEL, person(name="丙"), idempotency_key="same-press") == results[0]
        with pytest.raises(ValidationFailed):
            decl.save_row(did, s.PERSONNEL, person(phone="电话"), idempotency_key="refused-first")
        again = decl.save_row(did, s.PERSONNEL, person(name="丁"), idempotency_key="refused-first")
        assert again["count"] == 3
        saved = decl.save_section(did, s.APPLICATION, application(base_name="一次"), idempotency_key="app-1")
        assert decl.save_section(did, s.APPLICATION, application(base_name="两次"), idempotency_key="app-1") == saved
        view = decl.section_view(did, s.APPLICATION)
    assert view["values"]["base_name"] == "一次"
