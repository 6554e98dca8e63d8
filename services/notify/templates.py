"""SMS templates: one table of text, parameters and the provider's template code.

A message is one SMS segment: the carrier counts the signature with the text,
and a segment holds 70 characters (Chinese or not). A parameter that carries
free text (a return reason, a base name) is declared shortenable: it is cut
with an ellipsis so that the message still fits; any other parameter that
makes a message too long is an error.
"""
from dataclasses import dataclass

from services.common import contracts as c

SEGMENT_LENGTH = 70
SIGNATURE = "【江苏中小企业平台】"
ELLIPSIS = "…"


class TemplateError(ValueError):
    """A request that cannot become an SMS (unknown template, missing or bad
    parameters, too long); args[0] is a message for admins (Chinese)."""


@dataclass(frozen=True)
class Template:
    name: str
    code: str  # the template code registered with the SMS gateway
    text: str  # str.format text with the parameters as fields
    params: tuple  # required parameters
    shortenable: tuple = ()  # free-text parameters that may be cut to fit
    label: str = ""  # what the delivery log calls it
    secret: tuple = ()  # parameters kept only until sent (SMS codes): masked afterwards
    numbers: tuple = ()  # parameters that must be whole numbers (counts)


# No template carries text an enterprise typed (e.g. 基地名称): the declaration
# messages go to the 申请表's 联系手机, which no code verified, so anything
# an enterprise typed there would reach any number under the platform's
# signature. They carry the system's own words, the 申报编号 and reviewers'
# reasons only.
TEMPLATES = {
    t.name: t
    for t in (
        Template(
            c.SMS_VERIFICATION_CODE,
            "SMS_SME_0001",
            "您的验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。",
            ("code", "minutes"),
            label="验证码",
            secret=("code",),
        ),
        Template(
            c.SMS_USERNAME_REMINDER,
            "SMS_SME_0002",
            "您在江苏省中小企业公共服务平台的用户名为：{username}，请妥善保管。",
            ("username",),
            label="用户名提醒",
        ),
        Template(
            c.SMS_DECLARATION_SUBMITTED,
            "SMS_SME_0003",
            "您的双创基地认定申报已提交，编号{reference}，请等待工信部门审核。",
            ("reference",),
            label="申报已提交",
        ),
        Template(
            c.SMS_DECLARATION_RETURNED,
            "SMS_SME_0004",
            "您的双创基地认定申报已被退回，原因：{reason}，请登录修改后重新提交",
            ("reason",),
            shortenable=("reason",),
            label="申报已退回",
        ),
        Template(
            c.SMS_DECLARATION_APPROVED,
            "SMS_SME_0005",
            "您的双创基地认定申报已通过审核，获得认定，详情请登录平台查看。",
            (),
            label="申报已认定",
        ),
        Template(
            c.SMS_DECLARATION_REJECTED,
            "SMS_SME_0006",
            "您的双创基地认定申报未通过审核，原因：{reason}",
            ("reason",),
            shortenable=("reason",),
            label="申报未通过",
        ),
        Template(
            c.SMS_REVIEW_DIGEST,
            "SMS_SME_0007",
            "审核提醒：您有{waiting}件双创基地认定申报待审核，其中{overdue}件已超过办理时限，请及时登录审核控制台处理。",
            ("waiting", "overdue"),
            label="审核提醒",
            numbers=("waiting", "overdue"),
        ),
        Template(
            c.SMS_RECOGNITION_EXPIRING,
            "SMS_SME_0008",
            "您的双创基地认定有效期至{valid_until}，还有{days}天到期，请关注复核申报安排，详情请登录平台查看。",
            ("valid_until", "days"),
            label="认定到期提醒",
            numbers=("days",),
        ),
    )
}

LABELS = {name: t.label for name, t in TEMPLATES.items()}


@dataclass(frozen=True)
class Rendered:
    template: Template
    params: dict  # the parameters as sent (shortened ones cut)
    text: str  # the message without the signature

    @property
    def length(self):
        return message_length(self.text)


def message_length(text):
    """Characters the carrier counts for `text`: the signature included."""
    return len(SIGNATURE) + len(text)


def _clean(value):
    # A parameter is plain text on one line: no braces or line breaks can
    # change the template around it.
    return " ".join(str(value).split())


MASK = "******"


def masked(name, params, text):
    """(params, text) of a message with its secret parameters masked; as
    given when the template has none."""
    template = TEMPLATES.get(name)
    if template is None or not template.secret or not isinstance(params, dict):
        return params, text
    params = {**params, **{p: MASK for p in template.secret if p in params}}
    try:
        return params, render(name, params).text
    except TemplateError:
        return params, None


def is_masked(name, params):
    template = TEMPLATES.get(name)
    return bool(template and template.secret and isinstance(params, dict)
                and any(params.get(p) == MASK for p in template.secret))


def render(name, params):
    """The message of template `name` with `params`; TemplateError when it
    cannot be one SMS segment."""
    template = TEMPLATES.get(name)
    if template is None:
        raise TemplateError(f"未知的短信模板：{name}")
    if not isinstance(params, dict):
        raise TemplateError("短信参数格式错误")
    missing = [p for p in template.params if _clean(params.get(p, "")) == ""]
    if missing:
        raise TemplateError("缺少短信参数：" + "、".join(missing))
    values = {p: _clean(params[p]) for p in template.params}
    not_numbers = [p for p in template.numbers if not (values[p].isascii() and values[p].isdigit())]
    if not_numbers:
        raise TemplateError("短信参数应为数字：" + "、".join(not_numbers))
    text = template.text.format(**values)
    over = message_length(text) - SEGMENT_LENGTH
    for param in template.shortenable:
        if over <= 0:
            break
        value = values[param]
        keep = max(len(value) - over - len(ELLIPSIS), 1)
        if keep < len(value):
            values[param] = value[:keep] + ELLIPSIS
        text = template.text.format(**values)
        over = message_length(text) - SEGMENT_LENGTH
    if over > 0:
        raise TemplateError(f"短信内容超过{SEGMENT_LENGTH}字（{message_length(text)}字）")
    return Rendered(template, values, text)
