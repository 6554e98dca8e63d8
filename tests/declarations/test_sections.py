"""The sections' rule tables: valid and invalid values of every field."""
import pytest

from services.common.fields import REQUIRED_MESSAGE
from services.common.validators import AMOUNT_MESSAGE
from services.declarations import sections as s
from tests.declarations.helpers import application, ledger_row, partner, person

GOOD = {s.APPLICATION: application(), s.PERSONNEL: person(), s.PARTNERS: partner(), s.LEDGER: ledger_row()}

BAD = [
    (s.APPLICATION, "base_name", "x" * 101, "不能超过100字"),
    (s.APPLICATION, "credit_code", "91350100M000100Y44", "校验位不正确"),
    (s.APPLICATION, "credit_code", "12345", "长度应为18位"),
    (s.APPLICATION, "base_type", "写字楼", "请从列表中选择"),
    (s.APPLICATION, "founded_on", "2015/06/01", "年-月-日"),
    (s.APPLICATION, "founded_on", "2999-01-01", "不能晚于今天"),
    (s.APPLICATION, "region_code", "320100", "区县"),
    (s.APPLICATION, "region_code", "110101", "区县"),
    (s.APPLICATION, "total_area", "12,000", AMOUNT_MESSAGE),
    (s.APPLICATION, "investment", "3500.123", AMOUNT_MESSAGE),
    (s.APPLICATION, "revenue", "约860万", AMOUNT_MESSAGE),
    (s.APPLICATION, "tenant_count", "2.5", "整数"),
    (s.APPLICATION, "tenant_count", "-1", "不能小于0"),
    (s.APPLICATION, "small_micro_count", "3", "不能多于入驻企业数"),
    (s.APPLICATION, "mentors", "3", "不能多于专职服务人员数"),
    (s.APPLICATION, "leased_area", "10001", "不能大于基地总面积"),
    (s.APPLICATION, "contact_mobile", "1391234567", "11位"),
    (s.APPLICATION, "email", "lisi@", "电子邮箱"),
    (s.APPLICATION, "introduction", "字" * 2001, "不能超过2000字"),
    (s.APPLICATION, "cases", "字" * 3001, "不能超过3000字"),
    (s.PERSONNEL, "category", "保安", "请从列表中选择"),
    (s.PERSONNEL, "phone", "8333", "固定电话"),
    (s.PERSONNEL, "full_time", "兼职", "请从列表中选择"),
    (s.PERSONNEL, "name", "", REQUIRED_MESSAGE),
    (s.PARTNERS, "credit_code", "91350100M000100Y4O", "非法字符"),
    (s.PARTNERS, "ends_on", "2023-12-31", "不能早于起始日期"),
    (s.PARTNERS, "category", "餐饮服务", "请从列表中选择"),
    (s.LEDGER, "served_on", "2025-13-01", "年-月-日"),
    (s.LEDGER, "mode", "电话", "请从列表中选择"),
    (s.LEDGER, "participants", "三", "整数"),
    (s.LEDGER, "fee", "10", "应为 0"),
    (s.LEDGER, "place", "", "请填写地点"),
]


@pytest.mark.parametrize("section", list(GOOD))
def test_a_complete_valid_record_passes(section):
    clean, errors = s.validate(section, GOOD[section], require_all=True)
    assert errors == {}
    assert set(clean) <= set(s.SCHEMAS[section].by_key)


@pytest.mark.parametrize("section,key,value,message", BAD)
def test_an_invalid_value_gets_its_message_beside_the_field(section, key, value, message):
    data = dict(GOOD[section], **{key: value})
    _clean, errors = s.validate(section, data)
    assert message in errors.get(key, ""), errors


def test_amounts_are_normalised_and_counts_are_integers():
    clean, errors = s.validate(s.APPLICATION, application(total_area="12000.5", tenant_count="2"))
    assert errors == {}
    assert clean["total_area"] == "12000.50" and clean["tenant_count"] == 2


def test_an_incomplete_application_may_be_saved_but_not_submitted():
    partial = {"base_name": "玄武创业园"}
    assert s.validate(s.APPLICATION, partial)[1] == {}
    _clean, errors = s.validate(s.APPLICATION, partial, require_all=True)
    assert errors["credit_code"] == REQUIRED_MESSAGE and "base_name" not in errors
    assert "email" not in errors  # optional


def test_a_list_row_is_checked_whole():
    _clean, errors = s.validate(s.PERSONNEL, {"name": "王五"})
    assert errors["phone"] == REQUIRED_MESSAGE


def test_every_field_has_a_label_and_help_and_the_api_describes_them():
    description = s.describe()
    assert [d["key"] for d in description] == list(s.ORDER)
    for d in description:
        for f in d.get("fields", []):
            assert f["label"] and f["help"], f
    app = description[0]
    amount = next(f for f in app["fields"] if f["key"] == "revenue")
    assert amount["type"] == "amount" and amount["unit"] == "万元"
