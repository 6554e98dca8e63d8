"""节假日 in the console against the running accounts and review services:
an admin finds it in the menu, adds a holiday and a 调休 workday, sees the
reason for a bad entry, removes a day; reviewers have no such page."""
import re

import pytest

from gateway import create_app
from services.accounts.service import AccountsService
from services.common import contracts as c
from services.review.service import ReviewService
from tests.accounts.helpers import create_staff, login_staff, post


@pytest.fixture
def system(runner_factory, config):
    runner = runner_factory(config, AccountsService, ReviewService)
    runner.start()
    create_staff(config, "admin", name="王管理")
    create_staff(config, "xuanwu", kind=c.REVIEWER, level=c.COUNTY, region="320102", name="周玄武")
    return runner


@pytest.fixture
def app(config):
    app = create_app(config)
    yield app
    app.extensions["rpc"].close()


def html_of(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def rows(html):
    body = html.split('class="calendar-days"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", "<tr" + r).split()) for r in body.split("<tr")[1:]]


def menu_link(html, label):
    return re.search(rf'<a href="([^"]+)" data-menu="[^"]+"[^>]*>{label}</a>', html).group(1)


def test_an_admin_maintains_the_holidays_from_the_menu(system, app):
    admin = app.test_client()
    login_staff(admin, "admin")
    home = html_of(admin.get("/console/", follow_redirects=True))
    page = menu_link(home, "节假日")
    html = html_of(admin.get(page + "?year=2026"))
    assert rows(html) == ["本年度尚未设置节假日"]
    assert "<script>" not in html and "style=" not in html

    added = post(admin, "/console/calendar", {"day": "2026-10-01", "kind": c.CALENDAR_HOLIDAY, "note": "国庆节"})
    assert added.status_code == 302
    assert "已将 2026-10-01 设为“休”" in html_of(admin.get(added.headers["Location"]))
    post(admin, "/console/calendar", {"day": "2026-10-10", "kind": c.CALENDAR_WORKDAY, "note": "国庆节调休"})
    html = html_of(admin.get(added.headers["Location"]))
    assert rows(html) == ["2026-10-01 四 休 国庆节 删除", "2026-10-10 六 班 国庆节调休 删除"]

    refused = html_of(post(admin, "/console/calendar", {"day": "2026-10-12", "kind": c.CALENDAR_WORKDAY}), 422)
    assert "类型：该日本是工作日，无需设为“班”" in refused

    removed = post(admin, "/console/calendar/2026-10-01/remove")
    html = html_of(admin.get(removed.headers["Location"]))
    assert "已删除 2026-10-01" in html
    assert rows(html) == ["2026-10-10 六 班 国庆节调休 删除"]


def test_reviewers_have_no_holiday_page(system, app):
    reviewer = app.test_client()
    login_staff(reviewer, "xuanwu")
    home = html_of(reviewer.get("/console/", follow_redirects=True))
    assert "节假日" not in home
    assert reviewer.get("/console/calendar").status_code == 403
    assert post(reviewer, "/console/calendar", {"day": "2026-10-01", "kind": c.CALENDAR_HOLIDAY}).status_code == 403
