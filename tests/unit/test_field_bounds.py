"""Every field of every rule table has a maximum length, checked before its
parser or any validator sees the value; control characters are refused."""
import pytest

from services.accounts import forms
from services.common import fields as f
from services.common import validators as v
from services.declarations import batches
from services.declarations import sections as s
from services.tenants import steps

SCHEMAS = {
    **{f"declarations.{key}": schema for key, schema in s.SCHEMAS.items()},
    "declarations.batch": batches.BATCH_SCHEMA,
    "tenants.base": steps.BASE,
    "tenants.basic": steps.BASIC,
    "tenants.operations": steps.OPERATIONS,
    **{f"accounts.{name.lower()}": getattr(forms, name) for name in (
        "REGISTRATION", "FORGOT_USERNAME", "FORGOT_PASSWORD_REQUEST", "FORGOT_PASSWORD_RESET",
        "CHANGE_PASSWORD", "CHANGE_CONTACT", "APPEAL",
    )},
}
FIELDS = [(name, field) for name, schema in SCHEMAS.items() for field in schema]


@pytest.mark.parametrize("name, field", FIELDS, ids=[f"{n}.{fl.key}" for n, fl in FIELDS])
def test_a_value_one_longer_than_the_fields_limit_gets_the_length_message(name, field):
    assert 0 < field.limit <= 5000
    value = "9" * (field.limit + 1)
    clean, errors = SCHEMAS[name].validate({field.key: value})
    assert errors[field.key] == f"不能超过{field.limit}字（当前{field.limit + 1}字）"
    assert field.key not in clean


@pytest.mark.parametrize("name, field", FIELDS, ids=[f"{n}.{fl.key}" for n, fl in FIELDS])
def test_a_nul_character_is_refused_in_every_field(name, field):
    clean, errors = SCHEMAS[name].validate({field.key: "1\x002"})
    assert errors[field.key] == f.CONTROL_MESSAGE


def test_an_integer_of_five_thousand_digits_is_a_field_error_not_a_crash():
    clean, errors = s.APPLICATION_SCHEMA.validate({"tenant_count": "9" * 5000})
    assert errors == {"tenant_count": "不能超过20字（当前5000字）"}


@pytest.mark.parametrize("key, value", [
    ("email", "a" * 60_000 + "@" + "b." * 30_000),
    ("contact_mobile", "1" * 100_000),
    ("credit_code", "9" * 100_000),
    ("introduction", "很长" * 60_000),
])
def test_huge_values_are_refused_by_length(key, value):
    field = s.APPLICATION_SCHEMA.by_key[key]
    clean, errors = s.APPLICATION_SCHEMA.validate({key: value})
    assert errors == {key: f"不能超过{field.limit}字（当前{len(value.strip())}字）"}


def test_lists_are_bounded_too():
    field = steps.OPERATIONS.by_key["qualifications"]
    clean, errors = steps.OPERATIONS.validate({"qualifications": ["专精特新"] * 10_000})
    assert errors["qualifications"].startswith(f"不能超过{field.limit}字")


def test_tabs_and_line_breaks_stay_allowed_in_text():
    clean, errors = s.APPLICATION_SCHEMA.validate({"introduction": "第一段\r\n\t第二段"})
    assert errors == {} and clean["introduction"] == "第一段\r\n\t第二段"


@pytest.mark.parametrize("value, ok", [
    ("someone@example.com", True),
    ("a.b-c@mail.example.com.cn", True),
    ("no-at.example.com", False),
    ("two@@example.com", False),
    ("a@b@example.com", False),
    ("a@example", False),
    ("a@.com", False),
    ("a@example.", False),
    ("@example.com", False),
    ("a b@example.com", False),
])
def test_email_rule(value, ok):
    assert (v.email(value) is None) is ok


def test_the_email_check_answers_the_backtracking_shape_of_any_length():
    # "a@" followed by many "a." and no valid end made the old pattern retry
    # every dot from every dot: quadratic. Split-based, it is one pass.
    assert v.email("a@" + "a." * 200_000 + "@") == v.EMAIL_MESSAGE
    assert v.email("a@" + "a." * 100 + "a") is None
