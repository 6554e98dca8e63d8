"""The 提交 check's problem records name their field: whoever shows them (the
portal, the console, the API) needs no rule table to say what is missing."""
from services.common import contracts as c
from services.common.fields import REQUIRED_MESSAGE
from services.declarations import checks
from services.declarations import sections as s
from tests.declarations.helpers import person


def test_an_empty_declaration_names_every_missing_field_of_the_application():
    problems = checks.check({}, [], {"count": 0}, {}, False, ["申请报告"])
    application = [p for p in problems if p["section"] == s.APPLICATION]
    required = [f for f in s.APPLICATION_SCHEMA if f.required]
    assert [p["message"] for p in application] == [f"{f.label}：{REQUIRED_MESSAGE}" for f in required]
    assert all(p["label"] and p["section_label"] == "申请表" for p in application)
    # the list sections, the tenants and the attachments say what is missing too
    messages = {p["section"]: p["message"] for p in problems if p["section"] != s.APPLICATION}
    assert messages[s.PERSONNEL] == "请至少填写一条主要人员"
    assert messages[s.ATTACHMENTS] == "请上传“申请报告”"
    assert "入驻企业" in messages[s.TENANTS]


def test_the_registered_region_is_under_basic_information():
    """FAQ 2.7: 填报信息 → 基本情况 → 注册地区."""
    assert s.APPLICATION_GROUPS[0][0] == "基本情况"
    assert "region_code" in s.APPLICATION_GROUPS[0][1]
    [problem] = [p for p in checks.check({}, [], None, {}, False, []) if p["field"] == "region_code"]
    assert problem["group"] == "基本情况" and problem["message"] == "注册地区：此项为必填项"
    assert {f["key"]: f["group"] for f in s.fields(s.APPLICATION)}["region_code"] == "基本情况"


def test_a_row_problem_says_which_row_and_which_field():
    row = {**person(), "phone": "", "id": "r1"}
    problems = checks.check({s.PERSONNEL: [person(), row]}, [], None, {}, False, [])
    [p] = [p for p in problems if p["section"] == s.PERSONNEL]
    assert p["message"] == f"第2条 联系电话：{REQUIRED_MESSAGE}"
    assert (p["row"], p["row_number"], p["field"], p["label"]) == ("r1", 2, "phone", "联系电话")
    assert p["section_label"] == c.SECTIONS[s.PERSONNEL]


def test_a_count_that_disagrees_names_the_field_it_is_in():
    problems = checks.check({s.APPLICATION: {"partner_count": 2}}, [], None, {}, False, [])
    [p] = [p for p in problems if p["field"] == "partner_count"]
    assert p["message"] == "合作服务机构数：填写为2，与合作服务机构的条数（0）不一致"
