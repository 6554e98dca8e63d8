"""The mobile intake pages through the gateway, against the tenants service on
the real RabbitMQ and PostgreSQL: the steps with red messages, the summary,
确认提交, continuing on the same device, closed and invalid links."""
from gateway.intake import DEVICE_COOKIE
from tests.support.identifiers import credit_code
from tests.tenants.helpers import BASE_NAME, entry_data
from tests.support.web import hidden_fields
from tests.gateway.intake_walk import DECL, WECHAT_UA, owner, post_form, token, walk


def test_a_tenant_walks_the_steps_and_submits(app, owner, token):
    client = app.test_client()
    start = client.get(f"/intake/{token}", headers={"User-Agent": WECHAT_UA})
    html = start.get_data(as_text=True)
    assert start.status_code == 200
    assert 'name="viewport"' in html and BASE_NAME in html and "开始填写" in html
    assert "您好，请登录" not in html  # no login on the tenant's pages
    cookie = client.get_cookie(DEVICE_COOKIE, path="/intake")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"

    base = client.get(f"/intake/{token}/step/base").get_data(as_text=True)
    assert "所属基地信息" in base and BASE_NAME in base and "入驻日期" in base and "租用面积" in base
    assert 'class="help-icon"' in base

    # A red message beside the failing field; what was typed stays.
    response = post_form(client, f"/intake/{token}/step/base", {"move_in_date": "2023-03-01", "leased_area": "1,200"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="error-summary"' in html and "不要使用逗号" in html
    assert 'value="1,200"' in html and 'value="2023-03-01"' in html

    data = entry_data(credit_code())
    response = post_form(client, f"/intake/{token}/step/base", data["base"])
    assert response.status_code == 302 and response.location.endswith(f"/intake/{token}/step/basic")
    basic = client.get(response.location).get_data(as_text=True)
    assert "企业名称" in basic and "上一步" in basic
    post_form(client, f"/intake/{token}/step/basic", data["basic"])
    response = post_form(client, f"/intake/{token}/step/operations", data["operations"])
    assert response.location.endswith(f"/intake/{token}/summary")

    summary = client.get(f"/intake/{token}/summary").get_data(as_text=True)
    assert "请核对填写内容" in summary and data["basic"]["credit_code"] in summary
    assert "1234.50 万元" in summary and "确认提交" in summary

    response = client.post(f"/intake/{token}/submit", data=hidden_fields(summary))
    assert response.status_code == 302
    done = client.get(response.location).get_data(as_text=True)
    assert "提交成功" in done and "RZ" in done

    [row] = owner.list_entries(DECL)
    assert row["credit_code"] == data["basic"]["credit_code"]


def test_a_tenant_who_closed_wechat_continues_where_it_stopped(app, token):
    first = app.test_client()
    first.get(f"/intake/{token}")
    data = entry_data()
    post_form(first, f"/intake/{token}/step/base", data["base"])
    post_form(first, f"/intake/{token}/step/basic", data["basic"])
    device = first.get_cookie(DEVICE_COOKIE, path="/intake").value

    again = app.test_client()  # a new browser session on the same phone
    again.set_cookie(DEVICE_COOKIE, device, path="/intake")
    html = again.get(f"/intake/{token}").get_data(as_text=True)
    assert "继续填写" in html and f"/intake/{token}/step/operations" in html
    basic = again.get(f"/intake/{token}/step/basic").get_data(as_text=True)
    assert data["basic"]["credit_code"] in basic  # what was saved is shown

    other_phone = app.test_client()
    assert "开始填写" in other_phone.get(f"/intake/{token}").get_data(as_text=True)
    # The summary is not reachable before every step is done.
    assert other_phone.get(f"/intake/{token}/summary").location.endswith("/step/base")


def test_a_duplicate_credit_code_is_refused_on_the_page(app, token):
    code = credit_code()
    assert walk(app.test_client(), token, entry_data(code)).status_code == 302
    second = app.test_client()
    data = entry_data(code)
    post_form(second, f"/intake/{token}/step/base", data["base"])
    response = post_form(second, f"/intake/{token}/step/basic", data["basic"])
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "已于" in html and "不能重复提交" in html


def test_closed_revoked_and_invalid_links_say_so_plainly(app, owner, token):
    client = app.test_client()
    owner.close_intake(DECL)
    html = client.get(f"/intake/{token}").get_data(as_text=True)
    assert "入驻企业信息填报已关闭" in html and BASE_NAME in html
    assert "已关闭" in client.get(f"/intake/{token}/step/basic").get_data(as_text=True)
    owner.reopen_intake(DECL)
    assert "开始填写" in client.get(f"/intake/{token}").get_data(as_text=True)

    form = hidden_fields(client.get(f"/intake/{token}/step/base").get_data(as_text=True))
    assert form  # the CSRF token of the anonymous form
    owner.revoke_link(DECL)
    response = client.get(f"/intake/{token}")
    assert response.status_code == 410 and "此二维码已失效" in response.get_data(as_text=True)
    response = client.post(f"/intake/{token}/submit", data=form)
    assert response.status_code == 410 and "此二维码已失效" in response.get_data(as_text=True)
    # Without the form's CSRF token nothing is even tried.
    assert client.post(f"/intake/{token}/submit").status_code == 400

    response = client.get("/intake/not-a-token")
    assert response.status_code == 404 and "二维码链接无效" in response.get_data(as_text=True)
