"""SMS templates: every template of the contracts renders to one segment,
free text is cut to fit, anything else that cannot be one SMS is refused."""
import pytest

from services.common import contracts as c
from services.notify import templates as t

TYPICAL = {
    c.SMS_VERIFICATION_CODE: {"code": "483920", "minutes": 10},
    c.SMS_USERNAME_REMINDER: {"username": "nanjing_base_2026"},
    c.SMS_DECLARATION_SUBMITTED: {"reference": "SC2026000123"},
    c.SMS_DECLARATION_RETURNED: {"reason": "注册地区填写有误"},
    c.SMS_DECLARATION_APPROVED: {},
    c.SMS_DECLARATION_REJECTED: {"reason": "不符合认定条件"},
    c.SMS_REVIEW_DIGEST: {"waiting": 12, "overdue": 3},
    c.SMS_RECOGNITION_EXPIRING: {"valid_until": "2029-12-09", "days": 90},
}


def test_every_template_the_contracts_name_is_in_the_table():
    names = {v for k, v in vars(c).items() if k.startswith("SMS_") and not k.startswith("SMS_REQ")}
    assert names == set(t.TEMPLATES) == set(TYPICAL)
    codes = [tpl.code for tpl in t.TEMPLATES.values()]
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize("name", sorted(TYPICAL))
def test_typical_messages_fit_one_segment_with_the_signature(name):
    rendered = t.render(name, TYPICAL[name])
    assert rendered.length == len(t.SIGNATURE) + len(rendered.text) <= t.SEGMENT_LENGTH
    for value in TYPICAL[name].values():
        assert str(value) in rendered.text


def test_the_return_message_is_the_issue_text():
    text = t.render(c.SMS_DECLARATION_RETURNED, {"reason": "注册地区填写有误"}).text
    assert text == "您的双创基地认定申报已被退回，原因：注册地区填写有误，请登录修改后重新提交"


def test_a_long_reason_is_cut_with_an_ellipsis_to_exactly_one_segment():
    reason = "主要人员名单与申请表不一致，服务台账缺少二〇二五年第三季度的服务记录，附件中的营业执照图片不清晰"
    rendered = t.render(c.SMS_DECLARATION_RETURNED, {"reason": reason})
    assert rendered.length == t.SEGMENT_LENGTH
    cut = rendered.params["reason"]
    assert cut.endswith(t.ELLIPSIS) and reason.startswith(cut[:-1])
    assert rendered.text.endswith("，请登录修改后重新提交")


def test_parameters_are_one_plain_line():
    rendered = t.render(c.SMS_DECLARATION_REJECTED, {"reason": "第一行\n第二行\t{code}"})
    assert rendered.text == "您的双创基地认定申报未通过审核，原因：第一行 第二行 {code}"


def test_a_parameter_that_may_not_be_cut_makes_a_too_long_message_an_error():
    with pytest.raises(t.TemplateError, match="超过70字"):
        t.render(c.SMS_USERNAME_REMINDER, {"username": "u" * 60})


@pytest.mark.parametrize(
    "name, params, message",
    [
        ("no_such_template", {}, "未知的短信模板"),
        (c.SMS_VERIFICATION_CODE, {"code": "123456"}, "缺少短信参数：minutes"),
        (c.SMS_VERIFICATION_CODE, {"code": " ", "minutes": 5}, "缺少短信参数：code"),
        (c.SMS_VERIFICATION_CODE, ["123456", 5], "短信参数格式错误"),
    ],
)
def test_requests_that_cannot_be_rendered(name, params, message):
    with pytest.raises(t.TemplateError, match=message):
        t.render(name, params)


@pytest.mark.parametrize("name", [c.SMS_DECLARATION_SUBMITTED, c.SMS_DECLARATION_APPROVED])
def test_declaration_messages_never_carry_what_the_enterprise_typed(name):
    # They go to the 申请表's 联系手机, which no code verified: a base named
    # like an advertisement with a link must not reach any number signed by the platform.
    typed = "点击 http://evil.example/x 领取补贴"
    rendered = t.render(name, {"base_name": typed, "reference": "SC2026000123"})
    assert "evil" not in rendered.text and "补贴" not in rendered.text
    assert "evil" not in str(rendered.params)


@pytest.mark.parametrize("typed", ["3件 http://evil.example/x", "三", "-1", "１２"])
def test_the_review_digest_carries_counts_and_nothing_else(typed):
    # It goes to every reviewer of an office: a parameter that is not a
    # count (text that reached it by mistake) is refused, never sent.
    with pytest.raises(t.TemplateError, match="短信参数应为数字：waiting"):
        t.render(c.SMS_REVIEW_DIGEST, {"waiting": typed, "overdue": 0})
    rendered = t.render(c.SMS_REVIEW_DIGEST, {"waiting": 120, "overdue": 0})
    assert rendered.text == "审核提醒：您有120件双创基地认定申报待审核，其中0件已超过办理时限，请及时登录审核控制台处理。"
