"""The console's review pages through the gateway against the real accounts,
declarations and review services: inbox per scope, actions with their
confirmation step, a missing reason in red, a stale page refused, notes and
认定 at province level, and the Excel export read back with openpyxl."""
import datetime as dt
import io
import re

from openpyxl import load_workbook
from sqlalchemy import text

from services.common import clock
from services.common import contracts as c
from tests.accounts.helpers import login_staff, post
from tests.review.support import submitted
from tests.support.events import listen_events
from tests.support.spreadsheets import assert_text_cells
from tests.gateway.console_cases import act, deliver, page, revision  # noqa: F401
from tests.gateway.console_staff import client_of, system  # noqa: F401  (the system fixture)


DOCUMENT = "苏工信中小〔2026〕88号"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_inbox_scope_and_the_county_city_return_journey(system, config, app):
    did = deliver(system, config, submitted(region="320102", base_name="玄武创新创业园"))
    other = deliver(system, config, submitted(region="320104", base_name="秦淮文创园"))

    xuanwu = client_of(app, "xuanwu")
    inbox = page(xuanwu, "/console/cases")
    assert "玄武创新创业园" in inbox and "秦淮文创园" not in inbox
    assert "待审核（1）" in inbox
    assert xuanwu.get(f"/console/cases/{other}").status_code == 404
    qinhuai = client_of(app, "qinhuai")
    assert "玄武创新创业园" not in page(qinhuai, "/console/cases?tab=all")

    case = page(xuanwu, f"/console/cases/{did}")
    assert "待区县审核" in case and 'data-action="approve"' in case and "南京市玄武区" in case
    confirm = act(xuanwu, did, "approve", confirm=False, reason="材料齐全")
    assert confirm.status_code == 200 and "确认通过" in confirm.get_data(as_text=True)
    assert "待区县审核" in page(xuanwu, f"/console/cases/{did}")  # nothing happened yet
    done = act(xuanwu, did, "approve", reason="材料齐全")
    assert done.status_code == 302
    after = page(xuanwu, f"/console/cases/{did}")
    assert "待设区市审核" in after and "材料齐全" in after and 'data-action=' not in after
    assert "玄武创新创业园" in page(xuanwu, "/console/cases?tab=processed")

    nanjing = client_of(app, "nanjing")
    assert "玄武创新创业园" in page(nanjing, "/console/cases")
    missing = act(nanjing, did, "return", reason="  ")
    assert missing.status_code == 422 and "请填写退回原因" in missing.get_data(as_text=True)
    assert 'class="error-summary"' in missing.get_data(as_text=True)
    assert 'href="#reason-return"' in missing.get_data(as_text=True)  # the summary leads to the field
    with listen_events(config["AMQP_URI"], c.REVIEW, c.DECLARATION_RETURNED) as events:
        returned = act(nanjing, did, "return", reason="请补充租赁合同", sections=["attachments"])
        assert returned.status_code == 302
        [event] = events.wait(1)
    assert event["data"]["reason"] == "请补充租赁合同" and event["data"]["sections"] == ["attachments"]
    assert event["data"]["level"] == c.CITY
    history = page(nanjing, f"/console/cases/{did}")
    assert "已退回" in history and "请补充租赁合同" in history and "附件" in history
    # The audit trail names the person and the office, not an account id.
    trail = history.split('id="history"')[1].split("</table>")[0]
    assert "周玄武" in trail and "南京市玄武区工信部门（区县审核）" in trail
    assert "吴南京" in trail and "南京市工信部门（设区市审核）" in trail
    assert "申报企业（玄武创新创业园运营管理有限公司）" in trail
    assert not UUID.search(trail)


def test_a_stale_page_is_refused_with_a_clear_message(system, config, app):
    did = deliver(system, config, submitted(region="320102"))
    first, second = client_of(app, "xuanwu"), client_of(app, "xuanwu")
    stale = revision(page(second, f"/console/cases/{did}"))
    assert act(first, did, "reject", reason="材料不实").status_code == 302
    refused = post(second, f"/console/cases/{did}/approve", {"revision": stale, "confirm": "1"})
    assert refused.status_code == 302
    shown = page(second, refused.headers["Location"])
    assert "该申报已被处理或已更新" in shown and "未通过" in shown


def test_province_notes_and_recognition_and_admin_return(system, config, app):
    """A batch without 公示: the province's 认定 asks for the 认定文号 and
    shows the 证书编号 and validity it gave."""
    did = deliver(system, config, submitted(region="320205", level=c.PROVINCE, base_name="锡山科创园",
                                            publicity_required=False))
    next_one = deliver(system, config, submitted(region="320206", level=c.PROVINCE, base_name="惠山科创园",
                                                 publicity_required=False))
    wrong = deliver(system, config, submitted(region="320102", base_name="地区填错的基地"))
    jiangsu = client_of(app, "jiangsu")
    case = page(jiangsu, f"/console/cases/{did}")
    assert 'data-action="recognise"' in case and "省级审核环节记录" in case
    bad = post(jiangsu, f"/console/cases/{did}/notes", {"step": "expert", "noted_on": "", "text": ""})
    assert bad.status_code == 422 and "请填写记录内容" in bad.get_data(as_text=True)
    assert 'href="#note-text"' in bad.get_data(as_text=True) and 'id="note-text"' in bad.get_data(as_text=True)
    assert post(jiangsu, f"/console/cases/{did}/notes",
                {"step": "expert", "noted_on": "2026-03-05", "text": "专家评审通过"}).status_code == 302
    missing = act(jiangsu, did, "recognise", reason="同意认定")
    assert missing.status_code == 422 and "请填写认定文件的文号" in missing.get_data(as_text=True)
    assert 'href="#document-number"' in missing.get_data(as_text=True)
    confirm = act(jiangsu, did, "recognise", confirm=False, reason="同意认定", document_number=DOCUMENT)
    assert "认定文号" in confirm.get_data(as_text=True) and DOCUMENT in confirm.get_data(as_text=True)
    assert act(jiangsu, did, "recognise", reason="同意认定", document_number=DOCUMENT).status_code == 302
    notes = page(jiangsu, f"/console/cases/{did}").split('id="notes"')[1].split("</table>")[0]
    assert "专家评审通过" in notes and "郑江苏" in notes and "江苏省工信部门（省级审核）" in notes
    assert not UUID.search(notes)
    done = page(jiangsu, f"/console/cases/{did}")
    assert "已认定" in done and "专家评审通过" in done and "认定" in done
    year = clock.beijing_today().year
    assert f"苏双创基地〔{year}〕0001" in done and DOCUMENT in done and "有效期" in done
    # the batch's next 认定 offers the same 文号, to change if its 认定文件 is another
    offered = page(jiangsu, f"/console/cases/{next_one}")
    assert f'value="{DOCUMENT}"' in offered and "已填入本批次上次认定所用文号" in offered

    admin = client_of(app, "admin")
    assert 'data-action="admin_return"' in page(admin, f"/console/cases/{wrong}")
    assert act(admin, wrong, "admin_return", reason="注册地区填写有误", sections=["application"]).status_code == 302
    assert "管理员退回" in page(admin, f"/console/cases/{wrong}")
    # Reviewers have no admin return; admins have no 通过.
    assert post(client_of(app, "xuanwu"), f"/console/cases/{wrong}/admin_return",
                {"revision": "1", "reason": "x"}).status_code == 302
    assert "管理员退回" not in page(client_of(app, "xuanwu"), f"/console/cases/{wrong}").split("审核记录")[0]


def test_export_of_the_filtered_list(system, config, app):
    deliver(system, config, submitted(region="320102", base_name="玄武创新创业园", tenant_count=90,
                                      small_micro_count=80, contact="王五", contact_mobile="13800001111"))
    deliver(system, config, submitted(region="320205", base_name="锡山科创园", level=c.CITY))
    admin = client_of(app, "admin")
    response = admin.get("/console/cases/export?tab=all&region_code=320100")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert ".xlsx" in response.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    header = rows[0]
    assert header[:10] == ("申报编号", "申报批次", "基地名称", "运营主体", "统一社会信用代码", "注册地区",
                           "联系人", "联系手机", "状态", "提交时间")
    assert "入驻企业数" in header and "其中小微企业数" in header
    assert len(rows) == 2  # the header and the one case of 南京市
    row = dict(zip(header, rows[1]))
    assert row["申报编号"] == "SC2026AB12CD34"
    assert row["基地名称"] == "玄武创新创业园" and row["注册地区"] == "南京市玄武区"
    assert row["联系人"] == "王五" and row["联系手机"] == "13800001111"
    assert row["状态"] == "待区县审核" and row["入驻企业数"] == 90 and row["其中小微企业数"] == 80
    assert row["提交时间"] == "2026-03-01 10:00"
    assert row["运营主体"] == "玄武创新创业园运营管理有限公司"

    # A county reviewer's export holds only its own county, whatever it asks.
    xuanwu = client_of(app, "xuanwu")
    mine = xuanwu.get("/console/cases/export?tab=all&region_code=320205")
    assert len(list(load_workbook(io.BytesIO(mine.data)).active.iter_rows())) == 1


def test_console_review_pages_need_staff(system, app):
    anonymous = app.test_client()
    response = anonymous.get("/console/cases")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    assert anonymous.get("/console/cases/export").status_code == 302


def test_export_writes_what_enterprises_typed_as_text(system, config, app):
    """A base named like a formula is a string cell in the reviewer's export,
    never a formula Excel would run; a phone "+86…" stays as typed."""
    hostile = '=HYPERLINK("http://evil.example/x","点击查看")'
    deliver(system, config, submitted(region="320102", base_name=hostile, contact="-5",
                                      contact_mobile="+8613800001111"))
    response = client_of(app, "admin").get("/console/cases/export?tab=all")
    assert response.status_code == 200
    assert_text_cells(response.data, {hostile, hostile + "运营管理有限公司", "-5", "+8613800001111"})


def test_the_console_opens_on_its_own_layout_with_the_menu(system, config, app):
    """审核控制台 as `make run` prints it: after login at /console/ a reviewer
    is on 待审核 with its counts, in the console's layout; the header's 退出
    leads back to the console's login, never to the portal."""
    did = deliver(system, config, submitted(region="320102", base_name="玄武创新创业园"))
    client = app.test_client()
    start = client.get("/console/")
    assert start.status_code == 302 and start.headers["Location"].startswith("/console/login?next=/console/")
    response = login_staff(client, "xuanwu")
    home = client.get(response.headers["Location"], follow_redirects=True)
    html = home.get_data(as_text=True)
    assert home.request.path == "/console/cases"
    assert "待审核（1）" in html and 'aria-label="审核管理菜单"' in html
    assert f'href="/console/cases/{did}"' in html
    menu = re.findall(r'data-menu="(\w+)"', html)
    assert menu == ["cases"]  # a reviewer has 审核 only
    assert 'action="/console/logout"' in html and "用户中心" not in html and "/center" not in html
    assert 'class="skip-link" href="#main"' in html and 'id="main"' in html

    admin = client_of(app, "admin")
    html = page(admin, "/console/cases")
    assert re.findall(r'data-menu="(\w+)"', html)[:6] == ["cases", "staff", "appeals", "batches", "sms", "parked"]
    for path in ("/console/staff", "/console/appeals", "/console/batches", "/console/parked"):
        assert 'aria-label="审核管理菜单"' in page(admin, path), path
    # Pages of the console that fail keep the console's header.
    missing = admin.get("/console/no-such-page")
    assert missing.status_code == 404 and 'action="/console/logout"' in missing.get_data(as_text=True)

    out = post(client, "/console/logout", {})
    assert out.status_code == 302 and out.headers["Location"] == "/console/login"
    assert client.get("/console/cases").status_code == 302


def test_province_publicity_from_the_console_to_recognition(system, config, app, db_engine):
    did = deliver(system, config, submitted(region="320205", level=c.PROVINCE, base_name="锡山科创园"))
    jiangsu = client_of(app, "jiangsu")
    case = page(jiangsu, f"/console/cases/{did}")
    assert 'data-action="approve"' in case and 'data-action="recognise"' not in case
    assert act(jiangsu, did, "approve", reason="专家评审通过").status_code == 302
    waiting = page(jiangsu, f"/console/cases/{did}")
    assert "待公示" in waiting and "请先选入公示" in waiting and 'data-action="approve"' not in waiting

    listing = page(jiangsu, "/console/publicity")
    assert "锡山科创园" in listing and "发布公示" in listing
    today = clock.beijing_today().isoformat()
    empty = post(jiangsu, "/console/publicity", {"title": "认定公示", "starts_on": today, "ends_on": today})
    assert empty.status_code == 422 and "请选择要公示的申报" in empty.get_data(as_text=True)
    started = post(jiangsu, "/console/publicity", {"title": "2026年度双创基地认定公示", "starts_on": today,
                                                   "ends_on": today, "declaration_id": did})
    assert started.status_code == 302
    under = page(jiangsu, f"/console/cases/{did}")
    assert "公示中" in under and "2026年度双创基地认定公示" in under and f"公示期至{today}" in under
    assert 'value="objection"' in under  # 异议 are recorded as notes during the period
    assert act(jiangsu, did, "recognise", reason="同意认定", document_number=DOCUMENT).status_code == 302
    assert "公示中" in page(jiangsu, f"/console/cases/{did}")  # refused: the period has not ended

    anonymous = app.test_client()
    assert 'href="/gongshi"' in page(anonymous, "/")
    public = page(anonymous, "/gongshi")
    assert "锡山科创园" in public and "无锡市锡山区" in public and f"{today} 至 {today}" in public
    assert "SC2026AB12CD34" not in public and "统一社会信用代码" not in public

    with db_engine(c.REVIEW).begin() as conn:  # the period's last day has gone by
        conn.execute(text("UPDATE review_publicity SET starts_on = :d, ends_on = :d"),
                     {"d": clock.beijing_today() - dt.timedelta(days=1)})
    assert "锡山科创园" not in page(anonymous, "/gongshi")
    assert act(jiangsu, did, "recognise", reason="同意认定", document_number=DOCUMENT).status_code == 302
    done = page(jiangsu, f"/console/cases/{did}")
    assert "已认定" in done and "证书编号" in done and DOCUMENT in done
