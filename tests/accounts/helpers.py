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
