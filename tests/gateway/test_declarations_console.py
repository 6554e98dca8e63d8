"""申报批次 pages of the console (admins only) and GET /api/sections, through
the gateway against the real accounts and declarations services."""
import re

import pytest

from services.accounts.service import AccountsService
from services.common import contracts as c
from services.declarations.service import DeclarationsService
from tests.accounts.helpers import create_staff, login_staff, post
from tests.declarations.helpers import batch_form


@pytest.fixture
def system(runner_factory, config):
    runner = runner_factory(config, AccountsService, DeclarationsService)
    runner.start()
    return runner


def test_an_admin_creates_and_edits_a_batch_with_red_messages(system, config, app):
    create_staff(config, "admin1")
    client = app.test_client()
    login_staff(client, "admin1")
    assert "新建批次" in client.get("/console/batches").get_data(as_text=True)
    form = client.get("/console/batches/new").get_data(as_text=True)
    assert "运营年限不少于" in form and "必须上传的附件" in form and "未达门槛时" in form

    bad = post(client, "/console/batches/new", batch_form(closes_on="2000-01-01", opens_on="2000-02-01",
                                                         min_partners="三"))
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'href="#f-min_partners"' in html and "请填写整数" in html
    values = batch_form(min_partners="5", required_attachments=["申请报告", "真实性承诺书"])
    assert post(client, "/console/batches/new", values).status_code == 302
    listing = client.get("/console/batches").get_data(as_text=True)
    assert values["name"] in listing and "仅提示（1 项）" in listing
    edit_path = re.search(r'href="/console/batches/([0-9a-f-]{36})">编辑', listing).group(1)
    page = client.get(f"/console/batches/{edit_path}").get_data(as_text=True)
    assert 'value="5"' in page and 'value="真实性承诺书" checked' in page
    changed = dict(values, thresholds_block="不允许提交")
    assert post(client, f"/console/batches/{edit_path}", changed).status_code == 302
    assert "不允许提交（1 项）" in client.get("/console/batches").get_data(as_text=True)


def test_reviewers_may_not_manage_batches(system, config, app):
    create_staff(config, "rev1", kind=c.REVIEWER, level=c.COUNTY, region="320102")
    client = app.test_client()
    login_staff(client, "rev1")
    assert client.get("/console/batches").status_code == 403


def test_the_api_describes_every_sections_rules(system, app):
    body = app.test_client().get("/api/sections").get_json()
    keys = [s["key"] for s in body["sections"]]
    assert keys == list(c.SECTIONS)
    app_fields = {f["key"]: f for f in body["sections"][0]["fields"]}
    assert app_fields["revenue"]["type"] == "amount" and app_fields["revenue"]["help"]
    assert app.test_client().get("/api/declarations").status_code == 401


def test_category_minimums_are_set_in_a_table(system, config, app):
    create_staff(config, "admin1")
    client = app.test_client()
    login_staff(client, "admin1")
    form = client.get("/console/batches/new").get_data(as_text=True)
    assert "服务类别年度最低要求" in form and 'name="cat4_people"' in form
    bad = post(client, "/console/batches/new", batch_form(cat4_people="很多"))
    assert bad.status_code == 422 and 'id="err-cat4_people"' in bad.get_data(as_text=True)
    assert post(client, "/console/batches/new", batch_form(cat4_people="300")).status_code == 302
    edit = re.search(r'href="/console/batches/([0-9a-f-]{36})">编辑', client.get("/console/batches").get_data(as_text=True))
    page = client.get(f"/console/batches/{edit.group(1)}").get_data(as_text=True)
    assert 'name="cat4_people" value="300"' in page
