"""Rule tables of the account forms (labels, 填写说明, checks): the service
checks what it receives with them and describes them (describe_pages) to the
gateway, which renders its account pages from that description."""
from dataclasses import dataclass

from services.accounts import passwords
from services.common import fields

USERNAME_RULE = "用户名为4至20位字母、数字或下划线，以字母开头（不区分大小写）"
CONSENT_LABEL = "我已阅读并同意《个人信息处理规则》"


@dataclass
class Password(fields.Field):
    kind = "password"
    cap = passwords.MAX_LENGTH

    def parse(self, raw):
        value = str(raw)
        message = passwords.strength_error(value)
        if message:
            raise fields.FieldError(message)
        return value


@dataclass
class Secret(fields.Field):
    """A password typed again or the current one: no rule, never trimmed."""

    kind = "password"
    cap = passwords.MAX_LENGTH

    def parse(self, raw):
        return str(raw)


@dataclass
class Username(fields.Field):
    cap = 40

    def parse(self, raw):
        from services.accounts.staff import username_error

        value = str(raw).strip().lower()
        if username_error(value):
            raise fields.FieldError(USERNAME_RULE)
        return value


@dataclass
class Code(fields.Field):
    cap = 10

    def parse(self, raw):
        value = str(raw).strip()
        if len(value) != 6 or not value.isdigit():
            raise fields.FieldError("请填写6位数字短信验证码")
        return value


def username():
    return Username("username", "用户名", USERNAME_RULE, required=True)


def password(key="password", label="密码"):
    return Password(key, label, passwords.RULE, required=True)


def password2(key="password2", label="确认密码"):
    return Secret(key, label, "再次输入密码", required=True)


def contact_name():
    return fields.Text("contact_name", "联系人", "负责本系统申报事务的联系人姓名", required=True, max_length=50)


def contact_phone(key="contact_phone", label="联系手机"):
    return fields.Mobile(key, label, "11位中国大陆手机号码，用于接收短信验证码和审核通知", required=True)


def sms_code():
    return Code("sms_code", "短信验证码", "点击“获取验证码”，填写收到的6位数字，10分钟内有效", required=True)


def credit_code():
    return fields.CreditCode("credit_code", "统一社会信用代码", "营业执照上的18位统一社会信用代码", required=True)


REGISTRATION = fields.Schema(
    username(),
    password(),
    password2(),
    fields.Text("name", "企业名称", "与营业执照上的名称一致", required=True, max_length=100),
    credit_code(),
    fields.Region("region_code", "注册地区", "营业执照登记机关所在的设区市和区县", required=True),
    contact_name(),
    contact_phone(),
    sms_code(),
    fields.Checked("consent", "个人信息处理", CONSENT_LABEL, required=True),
)

# Labels of the fields rendered by hand (file upload) for the error summary.
LICENCE_LABEL = "营业执照"

FORGOT_USERNAME = fields.Schema(
    fields.Text("who", "统一社会信用代码或企业名称", "填写注册时的统一社会信用代码或企业名称", required=True, max_length=100),
    contact_phone(),
)

FORGOT_PASSWORD_REQUEST = fields.Schema(
    fields.Text("username", "用户名", "注册时的用户名", required=True, max_length=40),
    contact_phone(),
)

FORGOT_PASSWORD_RESET = fields.Schema(
    fields.Text("username", "用户名", "注册时的用户名", required=True, max_length=40),
    contact_phone(),
    sms_code(),
    password("password", "新密码"),
    password2("password2", "确认新密码"),
)

CHANGE_PASSWORD = fields.Schema(
    Secret("old_password", "原密码", "", required=True),
    password("password", "新密码"),
    password2("password2", "确认新密码"),
)

CHANGE_CONTACT = fields.Schema(
    contact_name(),
    contact_phone("contact_phone", "新联系手机"),
    sms_code(),
)

APPEAL = fields.Schema(
    credit_code(),
    fields.Text("name", "企业名称", "与营业执照上的名称一致", required=True, max_length=100),
    contact_name(),
    contact_phone("new_phone", "新联系手机"),
    sms_code(),
    fields.Text("note", "申诉说明", "请说明原联系手机无法使用的原因", required=False, max_length=500, multiline=True),
)

# Staff (console): a phone for the daily digest of their office.
STAFF_PHONE = fields.Schema(
    fields.Mobile("phone", "手机号码", "11位中国大陆手机号码，用于接收本单位的每日汇总短信", required=True),
    sms_code(),
)


def validate(schema, data):
    """Every required field filled and every filled field valid; the two
    password fields agree."""
    clean, errors = schema.validate(data, require_all=True)
    if "password2" in schema.by_key and "password" not in errors and "password2" not in errors:
        if data.get("password") != data.get("password2"):
            errors["password2"] = "两次输入的密码不一致"
    if errors.get("consent"):
        errors["consent"] = "请阅读并同意《个人信息处理规则》"
    return clean, errors


# The forms the portal's pages render and post, by name: their fields
# (services.common.fields descriptions) and the files a page uploads beside
# them (named for the error summary).
PAGES = {
    "register": (REGISTRATION, {"licence": LICENCE_LABEL}),
    "forgot_username": (FORGOT_USERNAME, {}),
    "forgot_password": (FORGOT_PASSWORD_RESET, {}),
    "change_password": (CHANGE_PASSWORD, {}),
    "change_contact": (CHANGE_CONTACT, {}),
    "appeal": (APPEAL, {"licence": LICENCE_LABEL}),
    "staff_phone": (STAFF_PHONE, {}),
}


def describe_pages(forms=None):
    """The account pages in the one description format (docs/descriptions.md):
    {"hash", "parts": [{"key": page name, "label", "fields": [...], "uploads":
    [{key, label}]}]}: what the gateway renders the pages from."""
    return fields.description([
        {
            "key": name,
            "label": name,
            "fields": schema.describe(),
            "uploads": [{"key": key, "label": label} for key, label in uploads.items()],
        }
        for name, (schema, uploads) in (forms or PAGES).items()
    ])


_PAGES_DESCRIBED = []


def described_pages():
    """describe_pages() of PAGES, computed once per process (the tables do
    not change while it runs)."""
    if not _PAGES_DESCRIBED:
        _PAGES_DESCRIBED.append(describe_pages())
    return _PAGES_DESCRIBED[0]
