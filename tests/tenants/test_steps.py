"""The rule tables of the intake steps: each field's checks and messages."""
import datetime as dt

import pytest

from services.common.fields import REQUIRED_MESSAGE
from services.tenants import steps
from tests.support.identifiers import credit_code

CODE = credit_code("91320102MA1XYN12Q")


def complete():
    return {
        "base": {"move_in_date": "2023-03-01", "leased_area": "120.5"},
        "basic": {
            "company_name": "南京示例科技有限公司",
            "credit_code": CODE,
            "founded_on": "2021-06-18",
            "size": "小型",
            "industry": steps.INDUSTRIES[8],
            "contact_name": "王芳",
            "contact_mobile": "13912345678",
        },
        "operations": {
            "employees": "35",
            "revenue": "1234.50",
            "tax": "56.7",
            "rd_expense": "80",
            "patents": "3",
            "software_copyrights": "5",
            "financing": "0",
            "qualifications": ["专精特新", "高新技术企业"],
        },
    }


def test_a_complete_entry_passes_every_step_and_is_normalised():
    data = complete()
    for s in steps.STEPS:
        clean, errors = s.schema.validate(data[s.key], require_all=True)
        assert errors == {}, (s.key, errors)
        data[s.key] = clean
    assert data["base"]["leased_area"] == "120.50"
    assert data["operations"]["employees"] == 35
    assert data["operations"]["tax"] == "56.70"
    # The options' order, not the order ticked.
    assert data["operations"]["qualifications"] == ["高新技术企业", "专精特新"]
    assert steps.cross_check(data) == {}


@pytest.mark.parametrize(
    "step, key, value, message",
    [
        ("base", "leased_area", "1,200", "不要使用逗号"),
        ("base", "leased_area", "12.345", "最多两位小数"),
        ("base", "leased_area", "0", "应大于0"),
        ("base", "move_in_date", "2023/03/01", "年-月-日"),
        ("base", "move_in_date", (dt.date.today() + dt.timedelta(days=2)).isoformat(), "不能晚于今天"),
        ("basic", "credit_code", "91320102MA1XYZ12", "长度应为18位"),
        ("basic", "credit_code", "91320102MA1XYZ12OO", "非法字符"),
        ("basic", "credit_code", CODE[:17] + ("0" if CODE[17] != "0" else "1"), "校验位不正确"),
        ("basic", "size", "特大型", "请从列表中选择"),
        ("basic", "industry", "Z 其他", "请从列表中选择"),
        ("basic", "contact_mobile", "1391234567", "11位"),
        ("basic", "company_name", "公" * 101, "不能超过100字"),
        ("operations", "employees", "3.5", "整数"),
        ("operations", "employees", "-1", "不能小于0"),
        ("operations", "revenue", "1,234.50", "金额请填写数字，最多两位小数，不要使用逗号"),
        ("operations", "financing", "1.234", "最多两位小数"),
        ("operations", "qualifications", ["独角兽"], "请从列表中选择"),
    ],
)
def test_a_bad_value_gets_a_message_that_names_the_rule(step, key, value, message):
    data = complete()[step]
    data[key] = value
    _, errors = steps.step(step).schema.validate(data, require_all=True)
    assert list(errors) == [key]
    assert message in errors[key]


def test_every_required_field_left_empty_is_reported():
    _, errors = steps.BASIC.validate({}, require_all=True)
    assert set(errors) == {f.key for f in steps.BASIC if f.required}
    assert set(errors.values()) == {REQUIRED_MESSAGE}
    # 资质 may stay empty.
    data = complete()["operations"]
    del data["qualifications"]
    assert steps.OPERATIONS.validate(data, require_all=True)[1] == {}


def test_a_credit_code_in_lower_case_is_accepted_in_upper_case():
    data = complete()["basic"]
    data["credit_code"] = CODE.lower()
    clean, errors = steps.BASIC.validate(data, require_all=True)
    assert errors == {} and clean["credit_code"] == CODE


def test_moving_in_before_the_company_was_founded_is_refused():
    data = complete()
    data["base"]["move_in_date"] = "2020-01-01"
    assert "move_in_date" in steps.cross_check(data)


def test_every_field_has_a_label_and_help():
    for s, f in steps.all_fields():
        assert f.label and f.help, f.key
    assert [s.title for s in steps.STEPS] == ["所属基地信息", "基本信息", "运营数据"]
