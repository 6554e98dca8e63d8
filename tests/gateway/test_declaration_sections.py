"""The section pages of a declaration through the gateway, against the real
declarations and tenants services: each 保存, 删除 and 导入 is one call to
the declarations service (which decides ownership and editability itself),
and a form saves only the fields it drew."""
import io
import re

import pytest
from sqlalchemy import text as text_sql

from gateway import descriptions
from services.common import contracts as c
from services.declarations import ledger_import
from tests.declarations.helpers import application, ledger_row, person
from tests.declarations.fixtures import proxy
from tests.gateway.declaring import (  # noqa: F401 (fixtures)
    OWNER, batch, client_of, post, services_config, start, system, text,
)


class Calls(list):
    """The RPCs the gateway makes, but the session's resolution (each
    request's, made by the login layer)."""

    def __init__(self, app):
        super().__init__()
        self.client = app.extensions["rpc"]
        self.original = self.client.call

    def __call__(self, service, method, *args, **kwargs):
        if (service, method) != (c.ACCOUNTS, c.RPC_RESOLVE_SESSION):
            self.append((service, method))
        return self.original(service, method, *args, **kwargs)


@pytest.fixture
def calls(app, monkeypatch):
    # A description cached by an earlier test may go stale during this one
    # (CHECK_EVERY) and be fetched again in the middle of a counted POST.
    descriptions.clear()
    recorder = Calls(app)
    monkeypatch.setattr(recorder.client, "call", recorder)
    return recorder


def posted_once(calls, client, path, data, **kwargs):
    """POST `path` (its CSRF token read first) and the RPCs the POST made."""
    html = client.get("/center/declarations").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
    calls.clear()
    response = client.post(path, data={**data, "csrf_token": token}, **kwargs)
    return response, list(calls)


def saved(services_config, did):
    with proxy(c.DECLARATIONS, services_config, OWNER) as decl:
        return decl.get(did)["sections"]


def test_every_section_post_is_one_call(system, app, batch, calls):
    client = client_of(app, "token-1")
    did = start(client, batch)
    base = f"/center/declarations/{did}/sections"
    client.get(base + "/application")  # the description is cached from here on

    response, made = posted_once(calls, client, base + "/application", application())
    assert response.status_code == 302 and made == [(c.DECLARATIONS, c.DECLARATIONS_SAVE_SECTION)]

    response, made = posted_once(calls, client, base + "/personnel/new", person())
    assert response.status_code == 302 and made == [(c.DECLARATIONS, c.DECLARATIONS_SAVE_ROW)]
    row_id = re.search(r'id="row-([0-9a-f]+)"', text(client.get(base + "/personnel"))).group(1)
    response, made = posted_once(calls, client, f"{base}/personnel/{row_id}/edit", person(title="副主任"))
    assert response.status_code == 302 and made == [(c.DECLARATIONS, c.DECLARATIONS_SAVE_ROW)]
    response, made = posted_once(calls, client, f"{base}/personnel/{row_id}/delete", {})
    assert response.status_code == 302 and made == [(c.DECLARATIONS, c.DECLARATIONS_DELETE_ROW)]

    upload = {"file": (io.BytesIO(ledger_import.template()), "台账.xlsx")}
    response, made = posted_once(calls, client, base + "/ledger/import", upload, content_type="multipart/form-data")
    assert response.status_code == 302 and made == [(c.DECLARATIONS, c.DECLARATIONS_IMPORT_LEDGER)]

    pdf = {"category": "申请报告", "file": (io.BytesIO(b"%PDF-1.4 x"), "申请报告.pdf")}
    response, made = posted_once(calls, client, base + "/attachments", pdf, content_type="multipart/form-data")
    assert response.status_code == 302 and made == [(c.DECLARATIONS, c.DECLARATIONS_ADD_ATTACHMENT)]


def test_a_section_page_reads_its_one_section_not_the_whole_declaration(system, app, batch, calls):
    client = client_of(app, "token-1")
    did = start(client, batch)
    client.get(f"/center/declarations/{did}/sections/application")
    for section in ("application", "personnel", "ledger", "attachments"):
        calls.clear()
        assert client.get(f"/center/declarations/{did}/sections/{section}").status_code == 200
        assert calls == [(c.DECLARATIONS, c.DECLARATIONS_SECTION_VIEW)]


def test_a_form_without_a_field_keeps_that_fields_saved_value(system, app, batch, services_config):
    client = client_of(app, "token-1")
    did = start(client, batch)
    base = f"/center/declarations/{did}/sections"
    assert post(client, base + "/application", application()).status_code == 302
    # a page drawn before 累计投入 and 基地简介 were on the form: it carries the others only
    older = {k: v for k, v in application(base_name="玄武创业园二期").items() if k not in ("investment", "introduction")}
    older["carried"] = " ".join(older)
    assert post(client, base + "/application", older).status_code == 302
    now = saved(services_config, did)["application"]
    assert now["base_name"] == "玄武创业园二期"
    assert now["investment"] == application()["investment"] and now["introduction"] == application()["introduction"]
    # a carried field sent empty clears it
    cleared = dict(application(), email="", carried=" ".join(application()) + " email")
    assert post(client, base + "/application", cleared).status_code == 302
    assert "email" not in saved(services_config, did)["application"]

    # a row edited from a form without 职称或资格 keeps it
    assert post(client, base + "/personnel/new", person(qualification="高级经济师")).status_code == 302
    row = saved(services_config, did)["personnel"][0]
    edit = {k: v for k, v in person(title="副主任").items() if k != "qualification"}
    edit["carried"] = " ".join(edit)
    assert post(client, f"{base}/personnel/{row['id']}/edit", edit).status_code == 302
    row = saved(services_config, did)["personnel"][0]
    assert row["title"] == "副主任" and row["qualification"] == "高级经济师"


def test_the_service_refuses_another_enterprise_a_declaration_under_review_and_one_past_its_deadline(
        system, app, batch, services_config, calls, db_engine):
    client = client_of(app, "token-1")
    did = start(client, batch)
    base = f"/center/declarations/{did}/sections"
    client.get(base + "/application")  # the description is cached from here on
    stranger = client_of(app, "token-2")
    refused, made = posted_once(calls, stranger, base + "/application", application())
    assert refused.status_code == 404 and made == [(c.DECLARATIONS, c.DECLARATIONS_SAVE_SECTION)]
    refused, made = posted_once(calls, stranger, base + "/personnel/new", person())
    assert refused.status_code == 404 and made == [(c.DECLARATIONS, c.DECLARATIONS_SAVE_ROW)]
    assert "base_name" not in saved(services_config, did)["application"]  # what it shows is the prefill alone
    assert saved(services_config, did)["personnel"] == []

    engine = db_engine(c.DECLARATIONS)
    with engine.begin() as db:  # as 提交 leaves it: under review
        db.execute(text_sql("UPDATE declarations SET state = 'pending_county' WHERE id = :id"), {"id": did})
    refused, made = posted_once(calls, client, base + "/application", application())
    assert made == [(c.DECLARATIONS, c.DECLARATIONS_SAVE_SECTION)]
    assert refused.status_code == 302 and refused.headers["Location"].endswith(f"/{did}/view")
    assert "申报当前状态为“待区县审核”，不能修改" in text(client.get(refused.headers["Location"]))

    with engine.begin() as db:  # returned, and the batch's 补正截止 is past
        db.execute(text_sql("UPDATE declarations SET state = 'returned' WHERE id = :id"), {"id": did})
        db.execute(text_sql("UPDATE batches SET resubmit_until = now() - interval '1 day'"))
    refused, made = posted_once(calls, client, base + "/ledger/new", ledger_row())
    assert made == [(c.DECLARATIONS, c.DECLARATIONS_SAVE_ROW)] and refused.status_code == 302
    assert "已超过本批次的补正截止时间" in text(client.get(refused.headers["Location"]))
    assert saved(services_config, did)["ledger"] == [] and "base_name" not in saved(services_config, did)["application"]


def test_a_save_answers_without_a_session_cookie_and_the_next_page_says_it_was_saved(system, app, batch, calls):
    """The 保存's redirect names what to say (gateway/notices.py): its
    answer writes no cookie; the page it leads to says 已保存 once per
    visit of that address; a code it does not know says nothing."""
    client = client_of(app, "token-1")
    did = start(client, batch)
    base = f"/center/declarations/{did}/sections"
    client.get(base + "/application")
    response, _made = posted_once(calls, client, base + "/application", application())
    assert response.status_code == 302 and "Set-Cookie" not in response.headers
    assert "申请表已保存" in text(client.get(response.headers["Location"]))
    response, _made = posted_once(calls, client, base + "/personnel/new", person())
    assert "Set-Cookie" not in response.headers
    assert "已保存" in text(client.get(response.headers["Location"]))
    page = text(client.get(f"/center/declarations/{did}?done=<script>alert(1)</script>"))
    assert "flash-success" not in page and "alert(1)" not in page
