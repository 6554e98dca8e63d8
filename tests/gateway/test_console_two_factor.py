"""两步验证 in the console, through the gateway and the running accounts
service: an admin who must use it enrols at login from a QR code and gets
recovery codes, then gives a code at every login; where it is not required
(development) the login goes straight in and enrolment is offered on the
console's home page; an admin resets a lost phone in 人员管理."""
import base64
import re

import pyotp
import pytest

from gateway import create_app
from services.accounts.service import AccountsService
from services.review.service import ReviewService
from services.common import contracts as c
from tests.accounts.helpers import PASSWORD, create_staff, login_staff, post

HIDDEN = re.compile(r'name="challenge" value="([^"]+)"')
SECRET = re.compile(r'<code class="totp-secret">([A-Z2-7 ]+)</code>')
QR = re.compile(r'<img class="totp-qr" src="data:image/png;base64,([^"]+)"')
CODES = re.compile(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>")


def make(container_factory, config, required):
    conf = {**config, c.ENV_STAFF_TOTP_REQUIRED: required}
    container_factory(AccountsService, conf).start()
    container_factory(ReviewService, conf).start()  # a console login lands on 待审核
    app = create_app(conf)
    return conf, app


@pytest.fixture
def apps():
    made = []
    yield made
    for app in made:
        app.extensions["rpc"].close()


def text(response):
    return response.get_data(as_text=True)


def secret_of(html):
    return SECRET.search(html).group(1).replace(" ", "")


def test_an_admin_enrols_at_login_and_then_gives_a_code(container_factory, config, apps):
    conf, app = make(container_factory, config, "admin")
    apps.append(app)
    create_staff(conf, "tfa_gw_admin", name="王管理")
    client = app.test_client()

    page = post(client, "/console/login", {"username": "tfa_gw_admin", "password": PASSWORD})
    html = text(page)
    assert page.status_code == 200 and "启用两步验证" in html and client.get_cookie("sme_session") is None
    assert base64.b64decode(QR.search(html).group(1)).startswith(b"\x89PNG")
    secret = secret_of(html)
    challenge = HIDDEN.search(html).group(1)
    assert client.get("/console/cases").status_code == 302  # no session before the second factor

    wrong = post(client, "/console/login/enrol", {"challenge": challenge, "code": "000000", "next": "/console/"})
    assert wrong.status_code == 401 and "验证码不正确" in text(wrong)
    assert secret_of(text(wrong)) == secret  # the same key: the app already holds it
    done = post(client, "/console/login/enrol",
                {"challenge": challenge, "code": pyotp.TOTP(secret).now(), "next": "/console/"})
    codes = CODES.findall(text(done))
    assert done.status_code == 200 and len(codes) == 10 and "只显示这一次" in text(done)
    assert client.get("/console/", follow_redirects=True).status_code == 200

    # The next login: the password, then a code from the app (or a recovery code).
    other = app.test_client()
    page = post(other, "/console/login", {"username": "tfa_gw_admin", "password": PASSWORD, "next": "/console/staff"})
    assert "验证码或恢复码" in text(page) and other.get_cookie("sme_session") is None
    challenge = HIDDEN.search(text(page)).group(1)
    bad = post(other, "/console/login/code", {"challenge": challenge, "code": "12345x", "next": "/console/staff"})
    assert bad.status_code == 401 and "验证码错误" in text(bad)
    ok = post(other, "/console/login/code", {"challenge": challenge, "code": codes[0], "next": "/console/staff"})
    assert ok.status_code == 302 and ok.headers["Location"] == "/console/staff"
    assert "重置两步验证" in text(other.get("/console/staff"))
    # A challenge is not a session and cannot be used twice.
    again = post(app.test_client(), "/console/login/code", {"challenge": challenge, "code": codes[1]})
    assert again.status_code == 302 and again.headers["Location"].endswith("/console/login")

    # Every step of those logins is in the 登录日志 an admin reads.
    logins = text(other.get("/console/logs/logins"))
    for label in ("密码正确，须先启用两步验证", "启用两步验证并登录", "密码正确，待两步验证", "两步验证码错误",
                  "恢复码验证通过，登录成功", "两步验证已失效"):
        assert label in logins, label


def test_where_not_required_the_login_goes_in_and_enrolment_is_offered(container_factory, config, apps):
    conf, app = make(container_factory, config, "")
    apps.append(app)
    create_staff(conf, "tfa_gw_county", kind=c.REVIEWER, level=c.COUNTY, region="320102")
    create_staff(conf, "tfa_gw_boss", kind=c.ADMIN)
    client = app.test_client()
    login_staff(client, "tfa_gw_county")
    home = text(client.get("/console/", follow_redirects=True))  # a login lands on 待审核
    assert "尚未启用两步验证" in home and "/console/two-factor" in home

    page = client.get("/console/two-factor")
    secret = secret_of(text(page))
    wrong = post(client, "/console/two-factor", {"code": "000000"})
    assert wrong.status_code == 422 and "验证码不正确" in text(wrong)
    done = post(client, "/console/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert len(CODES.findall(text(done))) == 10
    assert "已启用" in text(client.get("/console/two-factor"))

    # Lost phone: an admin resets it in 人员管理; the reviewer's sessions end.
    boss = app.test_client()
    login_staff(boss, "tfa_gw_boss")
    listing = text(boss.get("/console/staff"))
    account_id = re.search(r'/console/staff/([0-9a-f-]{36})/two-factor/reset', listing).group(1)
    reset = post(boss, f"/console/staff/{account_id}/two-factor/reset")
    assert reset.status_code == 302 and "已重置" in text(boss.get("/console/staff"))
    assert client.get("/console/cases").status_code == 302
    login_staff(client, "tfa_gw_county")  # by password again
