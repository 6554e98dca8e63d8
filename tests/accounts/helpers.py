"""Helpers for tests that need accounts: staff created the way an operator
does it (the manage command), logins through the gateway's own pages.

Other areas' gateway tests may use them:

    from tests.accounts.helpers import create_staff, csrf_token, login_staff
"""
import io
import re
import sys

from services.accounts import manage
from services.common import contracts as c
from tests.support.web import png_bytes

PASSWORD = "Passw0rd!x"
_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def create_staff(config, username, kind=c.ADMIN, level=None, region=None, name="测试人员", password=PASSWORD):
    argv = ["create-staff", "--username", username, "--name", name, "--kind", kind, "--password-stdin"]
    if level:
        argv += ["--level", level]
    if region:
        argv += ["--region", region]
    stdin = sys.stdin
    sys.stdin = io.StringIO(password + "\n")
    try:
        assert manage.main(argv, config=config) == 0
    finally:
        sys.stdin = stdin


def csrf_token(client, path="/"):
    """The CSRF token a page of the gateway gives this client."""
    html = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(html)
    assert match, "no csrf-token meta tag"
    return match.group(1)


def post(client, path, data=None, **kwargs):
    """POST a form with the client's current CSRF token."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client))
    return client.post(path, data=data, **kwargs)


def login_staff(client, username, password=PASSWORD):
    response = post(client, "/console/login", {"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def login_enterprise(client, username, password=PASSWORD):
    response = post(client, "/login", {"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def registration_data(**overrides):
    """Valid 注册 form values (without 短信验证码)."""
    from tests.support.identifiers import credit_code, phone_number

    data = {
        "username": "qiye" + credit_code()[-6:].lower().replace("o", "0"),
        "password": PASSWORD,
        "password2": PASSWORD,
        "name": "南京示范创业园运营有限公司",
        "credit_code": credit_code(),
        "region_code": "320102",
        "contact_name": "张三",
        "contact_phone": phone_number(),
        "consent": "1",
    }
    data.update(overrides)
    return data


def register_by_rpc(client, config, data=None, ip="127.0.0.1"):
    """Register an enterprise through the accounts RPC the way the portal
    does: the code read from the sms_requested event, the licence put in the
    blob store under a temporary key. `client` is a gateway.rpc.RpcClient.
    Returns (result, data)."""
    from services.common import blobs
    from tests.support.events import listen_events

    data = dict(data or registration_data())
    with listen_events(config["AMQP_URI"], c.ACCOUNTS, c.SMS_REQUESTED) as events:
        client.call(c.ACCOUNTS, "request_code", "register", {"contact_phone": data["contact_phone"]}, ip)
        [envelope] = events.wait(1, where=lambda e: e["data"]["phone"] == data["contact_phone"])
    data["sms_code"] = envelope["data"]["params"]["code"]
    key = blobs.temp_key()
    blobs.blob_store(config).put(key, png_bytes(), "image/png")
    result = client.call(c.ACCOUNTS, "register", data, key, ip)
    return result, data


def register_via_gateway(client, config, data=None):
    """Register an enterprise through the portal's 注册 page (the accounts
    service must be running and the gateway app built from `config`); the
    code is read from the sms_requested event. Returns the form data
    (username, name, credit_code, region_code, contact_phone, ...)."""
    from tests.support.events import listen_events

    data = dict(data or registration_data())
    with listen_events(config["AMQP_URI"], c.ACCOUNTS, c.SMS_REQUESTED) as events:
        response = client.post(
            "/sms-code",
            json={"purpose": "register", "contact_phone": data["contact_phone"]},
            headers={"X-CSRF-Token": csrf_token(client)},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        [envelope] = events.wait(1, where=lambda e: e["data"]["phone"] == data["contact_phone"])
    form = dict(data, sms_code=envelope["data"]["params"]["code"], action="register")
    form["licence"] = (io.BytesIO(png_bytes()), "licence.png")
    response = post(client, "/register", form, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return data


def register_and_login(client, config, data=None):
    """An enterprise registered through the portal and logged in on `client`."""
    data = register_via_gateway(client, config, data)
    login_enterprise(client, data["username"])
    return data
