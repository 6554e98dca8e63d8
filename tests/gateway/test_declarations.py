"""The 认定申报 pages through the gateway, against the real declarations and
tenants services on RabbitMQ and PostgreSQL (accounts stands in: it only
resolves the session cookie of two test enterprises)."""
import io
import re

from nameko.standalone.events import event_dispatcher
from openpyxl import Workbook

from services.common import contracts as c
from services.common.outbox import envelope
from services.declarations import sections as s
from tests.declarations.helpers import application, ledger_row, partner, person
from tests.declarations.fixtures import add_tenants, proxy
from tests.gateway.declaring import (  # noqa: F401
    OWNER, batch, client_of, post, services_config, start, system, text,
)


def test_start_needs_the_pledge_and_leads_to_the_main_data_page(system, app, batch):
    client = client_of(app, "token-1")
    listing = text(client.get("/center/declarations"))
    assert "开始申报" in listing and batch["name"] in listing
    notice = client.get(f"/center/declarations/start/{batch['id']}")
    assert "申报须知" in text(notice) and "真实性承诺" in text(notice) and "下一步" in text(notice)
    refused = post(client, f"/center/declarations/start/{batch['id']}", {})
    assert refused.status_code == 422 and "请阅读申报须知" in text(refused)

    did = start(client, batch)
    main = text(client.get(f"/center/declarations/{did}"))
    for label in ("申请表", "主要人员", "入驻企业", "合作服务机构", "服务台账", "附件", "未开始", "提交"):
        assert label in main
    listing = text(client.get("/center/declarations"))
    assert "填报中" in listing and "继续填报" in listing and f"/center/declarations/start/{batch['id']}" not in listing
    # prefilled from the account
    form = text(client.get(f"/center/declarations/{did}/sections/application"))
    assert application()["credit_code"] in form and 'class="help-icon"' in form
    # long forms: the idle warning with 继续登录, and a request that keeps the session
    assert 'id="idle-warning"' in form and "继续登录" in form and "data-keep" in form
    assert client.get("/center/declarations/keepalive").get_json()["ok"] is True

    # another enterprise reaches nothing of it
    stranger = client_of(app, "token-2")
    assert stranger.get(f"/center/declarations/{did}").status_code == 404
    assert stranger.get(f"/center/declarations/{did}/view").status_code == 404
    assert client_of(app, "nobody").get("/center/declarations").status_code == 302


def test_a_failing_field_shows_a_red_message_keeps_what_was_typed_and_saves_once_corrected(system, app, batch):
    client = client_of(app, "token-1")
    did = start(client, batch)
    path = f"/center/declarations/{did}/sections/application"
    bad = post(client, path, {"base_name": "玄武创业园", "revenue": "1,000.5"})
    html = text(bad)
    assert bad.status_code == 422
    assert 'id="error-summary"' in html and 'href="#f-revenue"' in html
    assert '<p class="field-error" id="err-revenue">金额请填写数字，最多两位小数，不要使用逗号</p>' in html
    assert 'value="1,000.5"' in html and 'value="玄武创业园"' in html

    saved = post(client, path, {"base_name": "玄武创业园", "revenue": "1000.5"})
    assert saved.status_code == 302
    main = text(client.get(f"/center/declarations/{did}"))
    assert re.search(r'data-section="application">.*?填写中', main, re.S)


def test_list_rows_excel_import_attachments_and_submit_with_confirmation(system, app, batch, services_config):
    client = client_of(app, "token-1")
    did = start(client, batch)
    base = f"/center/declarations/{did}/sections"
    assert post(client, base + "/application", application()).status_code == 302

    # rows: add, a red error, edit, delete
    assert post(client, base + "/personnel/new", person()).status_code == 302
    bad = post(client, base + "/personnel/new", person(name="钱七", category="创业辅导师", phone="12"))
    assert bad.status_code == 422 and 'id="err-phone"' in text(bad) and 'value="钱七"' in text(bad)
    assert post(client, base + "/personnel/new", person(name="钱七", category="创业辅导师")).status_code == 302
    assert post(client, base + "/partners/new", partner()).status_code == 302
    assert post(client, base + "/partners/new", partner(name="多余机构")).status_code == 302
    with proxy(c.DECLARATIONS, services_config, OWNER) as decl:
        rows = decl.get(did)["sections"]
    extra = next(r for r in rows[s.PARTNERS] if r["name"] == "多余机构")
    assert post(client, f"{base}/partners/{extra['id']}/delete").status_code == 302
    first = rows[s.PERSONNEL][0]
    assert post(client, f"{base}/personnel/{first['id']}/edit", person(title="副主任")).status_code == 302
    assert "副主任" in text(client.get(base + "/personnel"))

    # 服务台账 from Excel: the template downloads, a bad file imports nothing, a good one imports
    template = client.get(base + "/ledger/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
    wb = Workbook()
    ws = wb.active
    ws.append([f.label for f in s.LEDGER_SCHEMA])
    row = ledger_row()
    ws.append([row.get(f.key) for f in s.LEDGER_SCHEMA])
    ws.append([row.get(f.key) if f.key != "fee" else "1,000" for f in s.LEDGER_SCHEMA])
    out = io.BytesIO()
    wb.save(out)
    refused = post(client, base + "/ledger/import", {"file": (io.BytesIO(out.getvalue()), "台账.xlsx")},
                   content_type="multipart/form-data")
    assert refused.status_code == 422 and "第3行" in text(refused) and "J列" in text(refused)
    ok = post(client, base + "/ledger/import", {"file": (io.BytesIO(client.get(base + "/ledger/template.xlsx").data), "t.xlsx")},
              content_type="multipart/form-data")
    assert ok.status_code == 302
    assert "1 条" in text(client.get(base + "/ledger"))

    # 提交 first: problems grouped by section with links
    check = text(client.get(f"/center/declarations/{did}/submit"))
    assert "数据检验未通过" in check and "请上传“申请报告”" in check and "尚无入驻企业填报" in check
    assert f"{base}/attachments" in check

    # 附件: a PDF by content; the owner downloads it, a stranger does not
    upload = post(client, base + "/attachments", {"category": "申请报告", "file": (io.BytesIO(b"%PDF-1.4 x"), "申请报告.pdf")},
                  content_type="multipart/form-data")
    assert upload.status_code == 302
    fake = post(client, base + "/attachments", {"category": "申请报告", "file": (io.BytesIO(b"<html>"), "x.pdf")},
                content_type="multipart/form-data")
    assert fake.status_code == 422 and "只能上传PDF文件或图片" in text(fake)
    page = text(client.get(base + "/attachments"))
    link = re.search(r'href="(/center/declarations/attachments/[^"]+)"', page).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.data == b"%PDF-1.4 x"
    assert client_of(app, "token-2").get(link).status_code == 404

    add_tenants(services_config, OWNER, did, count=2)
    review = client.get(f"/center/declarations/{did}/submit")
    html = text(review)
    assert review.status_code == 200 and "请核对申报内容" in html and "数据检验未通过" not in html
    assert "玄武创业园" in html and "未达到本批次的认定条件" not in html

    done = post(client, f"/center/declarations/{did}/submit", {"idempotency_key": "submit-key-1"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/submitted")
    confirmation = text(client.get(done.headers["Location"]))
    assert "提交成功" in confirmation and "申报编号" in confirmation and "待区县审核" in confirmation
    listing = text(client.get("/center/declarations"))
    assert "待区县审核" in listing and "继续填报" not in listing
    assert re.search(r'class="time">\d{4}-\d{2}-\d{2} \d{2}:\d{2}<', listing)
    # the county reviewer of its region downloads the attachment now, another county does not
    assert client_of(app, "token-county").get(link).data == b"%PDF-1.4 x"
    assert client_of(app, "token-other-county").get(link).status_code == 404
    # read-only now
    blocked = post(client, base + "/application", application(base_name="改名"))
    assert blocked.status_code == 302 and blocked.headers["Location"].endswith("/view")

    # a return: 查看 shows the reason, the section named, and the history
    dispatch = event_dispatcher(services_config)
    with proxy(c.DECLARATIONS, services_config, OWNER) as decl:
        dispatch(c.REVIEW, c.DECLARATION_RETURNED, envelope({
            "declaration_id": did, "enterprise_id": OWNER.id, "level": c.COUNTY, "reason": "请补充服务台账",
            "sections": [s.LEDGER], "version": 1}, event_type=c.DECLARATION_RETURNED, sequence=2,
            state=c.RETURNED))
        for _ in range(100):
            if decl.get(did)["state"] == c.RETURNED:
                break
            import eventlet
            eventlet.sleep(0.05)
    view = text(client.get(f"/center/declarations/{did}/view"))
    assert "已退回" in view and "请补充服务台账" in view and "需修改的部分：</strong>服务台账" in view
    assert "区县工信部门" in view and "办理记录" in view and "继续填报" in view
