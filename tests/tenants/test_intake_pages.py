"""The one-page intake through the gateway's test client, against the
tenants service on the real broker and database: how many requests one
entry takes, the steps' description fetched once per gateway process and
again when its hash changes, the failing step shown at 确认提交, and a
form that lacks a field never blanking it."""
import re
import time

import pytest

from gateway import create_app, descriptions
from gateway.intake import receipts
from services.common import contracts
from tests.support.identifiers import credit_code
from tests.support.web import hidden_fields
from tests.tenants.helpers import DECL, entry_data

WECHAT_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger/8.0.47"
FORM = re.compile(r'<form id="intake-form" method="post" action="([^"]+)"')


@pytest.fixture
def app(service, config):
    descriptions.clear()
    app = create_app(config)
    yield app
    app.extensions["rpc"].close()


@pytest.fixture
def calls(app):
    """Every RPC the gateway makes, as (service, method)."""
    made, client = [], app.extensions["rpc"]
    call = client.call

    def counting(service, method, *args, **kwargs):
        made.append((service, method))
        return call(service, method, *args, **kwargs)

    client.call = counting
    return made


class Phone:
    """The gateway's test client, counting the requests it makes."""

    def __init__(self, app):
        self.client, self.requests = app.test_client(), 0

    def get(self, url):
        self.requests += 1
        return self.client.get(url, headers={"User-Agent": WECHAT_UA})

    def post(self, url, data):
        self.requests += 1
        return self.client.post(url, data=data, headers={"User-Agent": WECHAT_UA})


def answers(data):
    return {key: value for step in data.values() for key, value in step.items()}


def confirm(phone, page, data):
    """确认提交 from the page as its script sends it: every field of every step."""
    html = page.get_data(as_text=True)
    return phone.post(FORM.search(html).group(1), {**hidden_fields(html), **answers(data)})


def test_one_entry_takes_three_requests_two_tenants_calls_and_the_description_is_fetched_once(
        app, calls, owner, token):
    for _ in range(2):
        phone, data = Phone(app), entry_data(credit_code())
        page = phone.get(f"/intake/{token}")
        assert page.status_code == 200
        response = confirm(phone, page, data)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        done = phone.get(response.location).get_data(as_text=True)
        assert "提交成功" in done and data["basic"]["company_name"] in done
        assert phone.requests <= 4
    assert calls.count((contracts.TENANTS, contracts.TENANTS_DESCRIBE_STEPS)) == 1  # once per gateway process
    tenant_calls = [method for service, method in calls if service == contracts.TENANTS]
    assert len(tenant_calls) == 2 * 2 + 1  # per entry: the page, 确认提交 (its answer carries the receipt)
    assert len(owner.list_entries(DECL)) == 2


def test_a_receipt_opened_elsewhere_or_tampered_with_is_asked_of_the_service(app, calls, token):
    """The receipt cookie shows the receipt only on the device that pressed
    确认提交 and only as signed; otherwise the page asks tenants, which
    shows this device's own entries only."""
    phone, data = Phone(app), entry_data(credit_code())
    response = confirm(phone, phone.get(f"/intake/{token}"), data)
    name = data["basic"]["company_name"]
    other = Phone(app)
    other.client.set_cookie(receipts.COOKIE, phone.client.get_cookie(receipts.COOKIE, path="/intake").value,
                            path="/intake")
    calls.clear()
    assert name not in other.get(response.location).get_data(as_text=True)  # another device: no receipt
    assert (contracts.TENANTS, contracts.TENANTS_INTAKE_CONTEXT) in calls
    phone.client.set_cookie(receipts.COOKIE, "tampered", path="/intake")
    calls.clear()
    assert name in phone.get(response.location).get_data(as_text=True)  # from the service: its own entry
    assert (contracts.TENANTS, contracts.TENANTS_INTAKE_CONTEXT) in calls


def test_a_changed_description_is_fetched_again_on_the_next_page(app, calls, token):
    with app.test_request_context():
        current = descriptions.get(contracts.TENANTS, contracts.TENANTS_DESCRIBE_STEPS)
    older = {"hash": "older", "parts": [dict(part, fields=part["fields"][:1]) for part in current["parts"]]}
    descriptions._cache[(contracts.TENANTS, contracts.TENANTS_DESCRIBE_STEPS)] = (older, time.monotonic())
    html = Phone(app).get(f"/intake/{token}").get_data(as_text=True)
    assert 'id="f-leased_area"' in html  # drawn from the service's description, not the older one
    assert calls.count((contracts.TENANTS, contracts.TENANTS_DESCRIBE_STEPS)) == 2


def test_a_problem_at_confirm_shows_the_failing_step_with_what_was_typed(app, owner, token):
    phone, data = Phone(app), entry_data(credit_code())
    data["base"]["leased_area"] = "1,200"
    response = confirm(phone, phone.get(f"/intake/{token}"), data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-open="base"' in html  # the page opens at 所属基地信息
    assert "请先完成“所属基地信息”" in html and "所属基地信息 · 租用面积：" in html
    assert 'id="err-leased_area"' in html and "不要使用逗号" in html
    assert 'value="1,200"' in html and data["basic"]["credit_code"] in html
    assert owner.list_entries(DECL) == []

    data["base"]["leased_area"] = "1200"
    again = confirm(phone, response, data)
    assert again.status_code == 303
    assert "提交成功" in phone.get(again.location).get_data(as_text=True)


def test_a_step_form_without_a_field_does_not_blank_it(app, token, service):
    phone, data = Phone(app), entry_data(credit_code())
    phone.get(f"/intake/{token}")
    for step in ("base", "basic", "operations"):
        url = f"/intake/{token}/step/{step}"
        response = phone.post(url, {**hidden_fields(phone.get(url).get_data(as_text=True)), **data[step]})
        assert response.status_code == 302
    # The operations page as an older description drew it: no 资质.
    url = f"/intake/{token}/step/operations"
    hidden = hidden_fields(phone.get(url).get_data(as_text=True))
    hidden["carried"] = " ".join(key for key in data["operations"] if key != "qualifications")
    operations = {key: value for key, value in data["operations"].items() if key != "qualifications"}
    assert phone.post(url, {**hidden, **operations}).status_code == 302
    summary = phone.get(f"/intake/{token}/summary").get_data(as_text=True)
    assert "专精特新" in summary


def test_the_page_takes_its_script_and_styles_from_static_files(app, token):
    html = Phone(app).get(f"/intake/{token}").get_data(as_text=True)
    assert "/static/intake.js" in html and "/static/intake.css" in html
    assert "<style" not in html and not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert 'style="' not in html
