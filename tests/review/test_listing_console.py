"""The console's inbox pages by 下一页 / 上一页 links (the service's tokens)
and its 导出Excel follows the same keyset pages: every case once."""
import html as html_module
import io
import re

from openpyxl import load_workbook

from gateway.console import review as console_review
from services.common import contracts as c
from tests.gateway.conftest import app, services_config  # noqa: F401  (fixtures)
from tests.gateway.console_cases import deliver, page
from tests.gateway.console_staff import client_of, system  # noqa: F401  (a fixture)
from tests.review.support import submitted

ROW = re.compile(r'<tr data-declaration="([^"]+)"')


def link(html, label):
    found = re.search(r'<a href="([^"]+)">' + label + "</a>", html)
    return html_module.unescape(found.group(1)) if found else None


def test_the_inbox_pages_by_its_links_and_the_export_holds_every_case_once(system, config, app, monkeypatch):  # noqa: F811
    made = set()
    for n in range(23):
        data = submitted(region="320102", base_name=f"玄武园{n}")
        data["summary"]["submitted_at"] = f"2026-03-01T10:{n // 2:02d}:00+08:00"
        made.add(deliver(system, config, data))
    client = client_of(app, "jiangsu")
    html = page(client, "/console/cases?tab=all")
    assert "共 23 条，第 1 / 2 页" in html and link(html, "上一页") is None
    first = ROW.findall(html)
    html = page(client, link(html, "下一页"))
    assert "第 2 / 2 页" in html and link(html, "下一页") is None
    second = ROW.findall(html)
    assert len(first) == 20 and len(first + second) == len(set(first + second)) == 23
    assert set(first + second) == made
    back = page(client, link(html, "上一页"))
    assert ROW.findall(back) == first and "第 1 / 2 页" in back

    monkeypatch.setattr(console_review, "EXPORT_PAGE", 5)
    response = client.get("/console/cases/export?tab=all&state=" + c.PENDING_COUNTY)
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    names = [row[2] for row in rows[1:]]
    assert sorted(names) == sorted(f"玄武园{n}" for n in range(23))
