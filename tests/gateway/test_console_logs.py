"""日志 in the console against the five running services: each staff, batch,
review and admin action leaves an 操作日志 row (who by name and office, what,
before and after) in the service that carried it out, merged by time on one
page; every login at the portal and the console leaves a 登录日志 row (time,
user, address, result); admins search and export both, nobody else sees
them."""
import datetime as dt
import re
import uuid

import pytest

from gateway.rpc import RpcClient
from services.accounts.models import Appeal
from services.accounts.service import AccountsService
from services.common import contracts as c
from services.common.errors import Forbidden
from services.common.principal import Principal
from services.declarations.service import DeclarationsService
from services.notify.service import NotifyService
from services.review.service import ReviewService
from services.tenants.service import TenantsService
from tests.accounts.helpers import PASSWORD, create_staff, login_staff, post
from tests.declarations.helpers import batch_form
from tests.gateway.console_cases import act, deliver
from tests.review.support import submitted
from tests.support.spreadsheets import assert_text_cells, rows

HOSTILE_BATCH = '=HYPERLINK("http://evil.example","批次")'


@pytest.fixture
def system(runner_factory, config):
    runner = runner_factory(config, AccountsService, DeclarationsService, ReviewService, TenantsService,
                            NotifyService)
    runner.start()
    create_staff(config, "admin", name="王管理")
    create_staff(config, "xuanwu", kind=c.REVIEWER, level=c.COUNTY, region="320102", name="周玄武")
    return runner


def html_of(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def table_rows(html, css):
    body = html.split(f'class="{css}"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [re.sub(r"<[^>]+>", " ", r) for r in body.split("<tr")[1:]]


def test_staff_batch_and_review_actions_and_logins_are_logged(system, config, app):
    # Logins: a wrong password at the console, one at the portal, then good ones.
    stranger = app.test_client()
    assert post(stranger, "/console/login", {"username": "xuanwu", "password": "wrong-Passw0rd"}).status_code == 401
    assert post(stranger, "/login", {"username": "nobody_here", "password": "wrong-Passw0rd"}).status_code == 401
    admin, xuanwu = app.test_client(), app.test_client()
    login_staff(admin, "admin")
    login_staff(xuanwu, "xuanwu")

    # Staff actions of the admin.
    assert post(admin, "/console/staff/new", {
        "username": "rev9", "name": "李新人", "password": PASSWORD, "kind": c.REVIEWER,
        "level": c.CITY, "region_code": "320100",
    }).status_code == 302
    listing = html_of(admin.get("/console/staff"))
    rev9 = re.findall(r"/console/staff/([0-9a-f-]{36})/disable", listing)[-1]
    post(admin, f"/console/staff/{rev9}/disable", {"disabled": "1"})
    post(admin, f"/console/staff/{rev9}/password", {"password": "NewPassw0rd", "password2": "NewPassw0rd"})
    # A batch, then an edit of it.
    assert post(admin, "/console/batches/new", batch_form(name=HOSTILE_BATCH)).status_code == 302
    batch = re.search(r'href="/console/batches/([0-9a-f-]{36})">编辑', html_of(admin.get("/console/batches"))).group(1)
    assert post(admin, f"/console/batches/{batch}",
                batch_form(name=HOSTILE_BATCH, thresholds_block="不允许提交")).status_code == 302
    # A review action and an export by the county reviewer.
    did = deliver(system, config, submitted(region="320102", base_name="玄武创新创业园"))
    assert act(xuanwu, did, "approve", reason="材料齐全").status_code == 302
    assert xuanwu.get("/console/cases/export?tab=all").status_code == 200

    # 操作日志: everything above, newest first, by name and office.
    html = html_of(admin.get("/console/logs"))
    logged = re.findall(r'<tr data-action="([\w.]+)"', html)
    assert logged == ["export.cases", "review.approve", "batch.update", "batch.create",
                      "staff.reset_password", "staff.disable", "staff.create"]
    by_action = dict(zip(logged, table_rows(html, "operation-log")))
    assert "周玄武" in by_action["review.approve"] and "南京市玄武区工信部门（区县审核）" in by_action["review.approve"]
    assert "待区县审核" in by_action["review.approve"] and "待设区市审核" in by_action["review.approve"]
    assert "玄武创新创业园（SC2026AB12CD34）" in by_action["review.approve"]
    assert "王管理" in by_action["staff.disable"] and "李新人（rev9）" in by_action["staff.disable"]
    assert "状态：正常" in by_action["staff.disable"] and "状态：已停用" in by_action["staff.disable"]
    assert "仅提示" in by_action["batch.update"] and "不允许提交" in by_action["batch.update"]
    assert "NewPassw0rd" not in html
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}", " ".join(by_action.values()))

    only = html_of(admin.get("/console/logs?action=review.approve"))
    assert re.findall(r'<tr data-action="([\w.]+)"', only) == ["review.approve"]
    assert re.findall(r'<tr data-action="([\w.]+)"', html_of(admin.get("/console/logs?q=rev9"))) == [
        "staff.reset_password", "staff.disable", "staff.create"]

    export = admin.get("/console/logs/export")
    assert export.status_code == 200 and export.headers["Cache-Control"] == "private, no-store"
    read = rows(export.data)
    assert read[0] == ("时间", "操作人", "操作", "对象", "对象编号", "修改前", "修改后", "服务")
    # The export is logged as it starts, so it is in its own file.
    assert [r[2] for r in read[1:]] == ["导出日志", "导出申报列表", "审核通过", "修改申报批次", "新建申报批次", "重置人员密码",
                                         "停用人员", "新建人员"]
    assert_text_cells(export.data, {HOSTILE_BATCH})  # an admin-typed formula stays text

    # 登录日志: time, user, address, result, for the portal and the console.
    logins = html_of(admin.get("/console/logs/logins"))
    results = re.findall(r'<tr data-result="(\w+)"', logins)
    assert results == ["success", "success", "failed", "failed"]
    lines = table_rows(logins, "login-log")
    assert "nobody_here" in lines[2] and "企业门户" in lines[2] and "127.0.0.1" in lines[2]
    assert "xuanwu" in lines[3] and "审核控制台" in lines[3] and "用户名或密码错误" in lines[3]
    failed = html_of(admin.get("/console/logs/logins?username=xuanwu&result=failed"))
    assert re.findall(r'<tr data-result="(\w+)"', failed) == ["failed"]
    export = admin.get("/console/logs/logins/export?kind=console")
    assert [r[1] for r in rows(export.data)[1:]] == ["xuanwu", "admin", "xuanwu"]


def test_only_admins_read_the_logs(system, config, app):
    xuanwu = app.test_client()
    login_staff(xuanwu, "xuanwu")
    for path in ("/console/logs", "/console/logs/export", "/console/logs/logins", "/console/logs/logins/export"):
        assert xuanwu.get(path).status_code == 403, path
    assert app.test_client().get("/console/logs").status_code == 302
    client = RpcClient(config)
    try:
        reviewer = Principal(kind=c.REVIEWER, id="r1", region_code="320102", level=c.COUNTY)
        for service in c.SERVICES:
            with pytest.raises(Forbidden):
                client.call(service, "list_operations", {}, principal=reviewer)
        with pytest.raises(Forbidden):
            client.call(c.ACCOUNTS, "list_logins", {}, principal=reviewer)
    finally:
        client.close()


def test_a_malformed_date_is_shown_in_the_error_summary(system, app):
    admin = app.test_client()
    login_staff(admin, "admin")
    for path in ("/console/logs", "/console/logs/logins"):
        html = html_of(admin.get(path + "?date_from=2026-13-40"), 422)
        assert 'class="error-summary"' in html and 'href="#f-date_from"' in html
        assert 'id="f-date_from"' in html and "请按“年-月-日”填写日期" in html


def test_every_console_list_is_exported_as_text_and_logged(system, config, app, db_engine):
    create_staff(config, "odd_one", kind=c.REVIEWER, level=c.COUNTY, region="320104", name="=1+1")
    # What enterprises and strangers type: an appeal's 申诉说明, a username at 登录.
    appeal_note = '=HYPERLINK("http://evil.example/a","申诉")'
    with db_engine(c.ACCOUNTS).begin() as conn:
        conn.execute(Appeal.__table__.insert().values(
            id=str(uuid.uuid4()), credit_code="91320102MA1XXXXX0X", contact_name="-5", new_phone="13800001111",
            licence_key="tmp/none", note=appeal_note, status="pending", created_at=dt.datetime.now(dt.timezone.utc),
        ))
    typed_username = '=hyperlink("http://evil.example/u","x")'
    assert post(app.test_client(), "/login", {"username": typed_username, "password": "x1234567"}).status_code == 401
    admin = app.test_client()
    login_staff(admin, "admin")
    assert post(admin, "/console/batches/new", batch_form(name=HOSTILE_BATCH)).status_code == 302
    expected = {
        "/console/staff": ("/console/staff/export", ("用户名", "姓名"), {"=1+1"}),
        "/console/appeals": ("/console/appeals/export", ("提交时间", "统一社会信用代码"), {appeal_note, "-5"}),
        "/console/batches": ("/console/batches/export", ("批次名称", "年度"), {HOSTILE_BATCH}),
        "/console/sms?state=sent": ("/console/sms/export?state=sent", ("手机号", "短信类型"), set()),
        "/console/parked": ("/console/parked/export", ("服务", "暂存时间"), set()),
        "/console/cases": ("/console/cases/export?", ("申报编号", "申报批次"), set()),
        "/console/logs": ("/console/logs/export", ("时间", "操作人"), set()),
        "/console/logs/logins": ("/console/logs/logins/export", ("时间", "用户名"), {typed_username}),
    }
    for page_path, (export_path, header, hostile) in expected.items():
        html = html_of(admin.get(page_path))
        assert "导出Excel" in html and export_path.replace("&", "&amp;") in html, page_path
        response = admin.get(export_path)
        assert response.status_code == 200 and ".xlsx" in response.headers["Content-Disposition"], export_path
        assert rows(response.data)[0][:2] == header
        assert_text_cells(response.data, hostile)
    logged = re.findall(r'<tr data-action="(export\.\w+)"', html_of(admin.get("/console/logs?q=列表")))
    assert len(logged) >= 4  # 人员列表, 申诉列表, 申报批次列表, 申报列表
