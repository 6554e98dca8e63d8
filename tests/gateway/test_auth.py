"""Gateway auth through the running accounts service: the console login, the
session cookie (HttpOnly, SameSite, rotated at login, ended at 退出), the
guards of console pages, CSRF on every POST and the login throttle."""
import re

import pytest

from gateway import create_app
from services.accounts.service import AccountsService
from services.common import contracts as c
from tests.accounts.helpers import PASSWORD, create_staff, csrf_token, login_staff, post


@pytest.fixture
def accounts(container_factory, config):
    container = container_factory(AccountsService, config)
    container.start()
    return container


def session_cookie(client):
    cookie = client.get_cookie("sme_session")
    return cookie.value if cookie else None


def test_staff_login_sets_a_protected_cookie_and_opens_the_console(accounts, config, app):
    create_staff(config, "admin1", name="王管理")
    client = app.test_client()
    assert client.get("/console/").status_code == 302

    response = login_staff(client, "admin1")
    assert response.headers["Location"] == "/console/cases"  # 待审核
    set_cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("sme_session=")][0]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie

    page = client.get("/console/staff")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "王管理" in html and "人员管理" in html and "退出" in html


def test_console_pages_redirect_to_the_console_login_with_next(accounts, app):
    response = app.test_client().get("/console/staff?x=1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login?next=/console/staff")


def test_portal_center_redirects_to_the_portal_login(accounts, app):
    response = app.test_client().get("/center")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/center"


def test_a_reviewer_may_not_open_admin_pages(accounts, config, app):
    create_staff(config, "rev1", kind=c.REVIEWER, level=c.COUNTY, region="320102")
    client = app.test_client()
    login_staff(client, "rev1")
    assert client.get("/console/staff").status_code == 403


def test_post_without_csrf_token_is_refused(accounts, config, app):
    create_staff(config, "admin1")
    client = app.test_client()
    response = client.post("/console/login", data={"username": "admin1", "password": PASSWORD})
    assert response.status_code == 400
    assert "请刷新页面后重新提交" in response.get_data(as_text=True)
    response = client.post(
        "/console/login",
        data={"username": "admin1", "password": PASSWORD, "csrf_token": "forged"},
    )
    assert response.status_code == 400
    assert session_cookie(client) is None


def test_token_of_another_browser_is_refused(accounts, config, app):
    create_staff(config, "admin1")
    other = app.test_client()
    token = csrf_token(other)
    client = app.test_client()
    client.get("/")
    response = client.post(
        "/console/login", data={"username": "admin1", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400


def test_login_rotates_the_session_and_logout_ends_it(accounts, config, app):
    create_staff(config, "admin1")
    client = app.test_client()
    login_staff(client, "admin1")
    first = session_cookie(client)
    login_staff(client, "admin1")
    second = session_cookie(client)
    assert first and second and first != second

    # The replaced session is over even when presented again.
    stale = app.test_client()
    stale.set_cookie("sme_session", first)
    assert stale.get("/console/").headers["Location"].startswith("/console/login")

    response = post(client, "/console/logout", {})
    assert response.status_code == 302 and response.headers["Location"] == "/console/login"
    assert session_cookie(client) is None
    again = app.test_client()
    again.set_cookie("sme_session", second)
    assert again.get("/console/").headers["Location"].startswith("/console/login")


def test_admin_creates_disables_and_resets_staff(accounts, config, app):
    create_staff(config, "admin1")
    client = app.test_client()
    login_staff(client, "admin1")

    bad = post(client, "/console/staff/new", {
        "username": "rev2", "name": "李审核", "password": "short", "kind": c.REVIEWER,
        "level": c.CITY, "region_code": "320102",
    })
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "密码长度8至32位" in html and "设区市级审核人员请选择设区市" in html
    assert 'value="rev2"' in html  # the form keeps what was typed

    ok = post(client, "/console/staff/new", {
        "username": "rev2", "name": "李审核", "password": PASSWORD, "kind": c.REVIEWER,
        "level": c.CITY, "region_code": "320100",
    })
    assert ok.status_code == 302
    html = client.get("/console/staff").get_data(as_text=True)
    assert "李审核" in html and "设区市" in html and "南京市" in html

    reviewer = app.test_client()
    login_staff(reviewer, "rev2")
    assert reviewer.get("/console/").headers["Location"] == "/console/cases"  # logged in

    rows = re.findall(r"/console/staff/([0-9a-f-]{36})/disable", html)
    assert len(rows) == 2
    rev_id = rows[1]
    post(client, f"/console/staff/{rev_id}/disable", {"disabled": "1"})
    # Disabling ends the reviewer's sessions and refuses new logins.
    assert reviewer.get("/console/").headers["Location"].startswith("/console/login")
    refused = post(reviewer, "/console/login", {"username": "rev2", "password": PASSWORD})
    assert refused.status_code == 401 and "该账号已停用" in refused.get_data(as_text=True)

    post(client, f"/console/staff/{rev_id}/disable", {"disabled": "0"})
    reset = post(client, f"/console/staff/{rev_id}/password", {"password": "NewPassw0rd", "password2": "NewPassw0rd"})
    assert reset.status_code == 302
    assert post(reviewer, "/console/login", {"username": "rev2", "password": PASSWORD}).status_code == 401
    login_staff(reviewer, "rev2", "NewPassw0rd")


def test_five_wrong_passwords_throttle_the_login_with_the_wait(accounts, config, app):
    create_staff(config, "admin1")
    client = app.test_client()
    for _ in range(4):
        response = post(client, "/console/login", {"username": "admin1", "password": "wrong-pass1"})
        assert response.status_code == 401
        assert "用户名或密码错误" in response.get_data(as_text=True)
    response = post(client, "/console/login", {"username": "admin1", "password": "wrong-pass1"})
    assert "密码错误次数过多，请15分钟后再试" in response.get_data(as_text=True)
    # Even the right password waits now.
    response = post(client, "/console/login", {"username": "admin1", "password": PASSWORD})
    assert response.status_code == 401
    assert "分钟后再试" in response.get_data(as_text=True)
    assert session_cookie(client) is None


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_login_never_redirects_off_site(accounts, config, app, target):
    create_staff(config, "admin1")
    client = app.test_client()
    response = post(client, "/console/login", {"username": "admin1", "password": PASSWORD, "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/console/cases"


def test_an_oversized_post_gets_a_chinese_message(accounts, config):
    app = create_app(config)
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        client = app.test_client()
        response = client.post("/register", data={"csrf_token": "x", "blob": "0" * 5000})
        assert response.status_code == 413
        assert "上传的文件过大" in response.get_data(as_text=True)
    finally:
        app.extensions["rpc"].close()


def test_staff_required_works_bare_and_with_kinds(config):
    from flask import Blueprint

    from gateway.auth import login_required, staff_required

    app = create_app(config)
    extra = Blueprint("extra", __name__)

    @extra.get("/x/bare")
    @staff_required
    def bare():
        return "bare"

    @extra.get("/x/admin")
    @staff_required(c.ADMIN)
    def admin_only():
        return "admin"

    @extra.get("/x/portal")
    @login_required
    def portal_page():
        return "portal"

    app.register_blueprint(extra)
    try:
        client = app.test_client()
        assert client.get("/x/bare").headers["Location"] == "/console/login?next=/x/bare"
        assert client.get("/x/admin").headers["Location"] == "/console/login?next=/x/admin"
        assert client.get("/x/portal").headers["Location"] == "/login?next=/x/portal"
    finally:
        app.extensions["rpc"].close()
