"""Validators of values that several services check: each returns None when
the value is fine, else the Chinese message to show beside the field."""
import re

from services.common import regions

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

AMOUNT_MESSAGE = "金额请填写数字，最多两位小数，不要使用逗号"
PHONE_MESSAGE = "请填写11位中国大陆手机号码"

_AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$", re.ASCII)
_MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$", re.ASCII)
EMAIL_MAX_LENGTH = 254  # RFC 5321's longest forward path
EMAIL_MESSAGE = "请填写正确的电子邮箱地址"


def credit_code_check_char(first17):
    """The 18th character of a 统一社会信用代码 (GB 32100-2015)."""
    total = sum(CREDIT_CODE_CHARS.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def credit_code(value):
    """GB 32100-2015; the message names the rule that failed."""
    value = (value or "").strip()
    if len(value) != 18:
        return "统一社会信用代码长度应为18位"
    if any(ch not in CREDIT_CODE_CHARS for ch in value):
        return "统一社会信用代码含有非法字符（只能是数字和除I、O、S、V、Z外的大写字母）"
    if credit_code_check_char(value[:17]) != value[17]:
        return "统一社会信用代码校验位不正确，请核对后重新填写"
    return None


def mobile(value):
    return None if _MOBILE.match((value or "").strip()) else PHONE_MESSAGE


def phone(value):
    """A mobile number or a landline such as 025-83334567."""
    value = (value or "").strip()
    if _MOBILE.match(value) or _LANDLINE.match(value):
        return None
    return "请填写11位手机号码或带区号的固定电话（如025-83334567）"


def amount(value):
    """Plain decimals, at most two places, no thousands separators (FAQ 2.6)."""
    return None if _AMOUNT.match(str(value).strip()) else AMOUNT_MESSAGE


def email(value):
    """local@domain.tld: one @, no spaces, a dot inside the domain. Checked by
    splitting, not by a backtracking pattern, so the time is linear in the
    value whatever it holds."""
    value = (value or "").strip()
    if len(value) > EMAIL_MAX_LENGTH or any(ch.isspace() for ch in value):
        return EMAIL_MESSAGE
    local, at, domain = value.partition("@")
    if not at or not local or "@" in domain:
        return EMAIL_MESSAGE
    name, dot, tld = domain.rpartition(".")
    if not dot or not name or not tld:
        return EMAIL_MESSAGE
    return None


def county_region(value):
    """A county-level unit of Jiangsu (the unit that receives a declaration)."""
    if regions.is_county(value):
        return None
    return "请选择江苏省内的区县（注册地区）"
