"""Rule tables of the declaration's sections: one Schema per section (label,
填写说明, type, bounds, required). The same tables drive the service's
checks, the portal's red messages and help icons, and GET /api/sections.

申请表 is one form; 主要人员, 合作服务机构 and 服务台账 are lists whose rows
each follow their table. 入驻企业 comes from the tenants service and 附件 are
files, so neither has a table here.
"""
import functools
import hashlib
import json

from services.common.fields import (
    Amount,
    Choice,
    CreditCode,
    Date,
    Email,
    Integer,
    Mobile,
    Phone,
    Region,
    Schema,
    Text,
)

APPLICATION = "application"
PERSONNEL = "personnel"
TENANTS = "tenants"
PARTNERS = "partners"
LEDGER = "ledger"
ATTACHMENTS = "attachments"

BASE_TYPES = (
    "双创基地",
    "创业园",
    "孵化器",
    "众创空间",
    "园中园",
    "大学科技园",
    "龙头骨干企业牵头建设的创业创新载体",
)
SERVICE_CATEGORIES = (
    "信息服务",
    "创业辅导",
    "创新支持",
    "人员培训",
    "市场营销",
    "投融资服务",
    "管理咨询",
    "专业服务",
)
STAFF_CATEGORIES = ("管理人员", "专职服务人员", "创业辅导师")
MENTOR = "创业辅导师"
EDUCATION = ("博士研究生", "硕士研究生", "大学本科", "大学专科", "其他")
YES_NO = ("是", "否")
SERVICE_MODES = ("线上", "线下")
FEE_MODES = ("免费", "低收费", "市场价")
FREE_OR_LOW = ("免费", "低收费")
ATTACHMENT_CATEGORIES = (
    "申请报告",
    "营业执照或法人证书",
    "上年度基地专项审计报告",
    "房产证明或租赁合同",
    "服务证明材料",
    "人员名单及资质",
    "真实性承诺书",
)

APPLICATION_SCHEMA = Schema(
    Text("base_name", "基地名称", "填写基地的正式名称，与申请报告一致。", required=True, max_length=100),
    Text("operator_name", "运营主体", "基地运营企业的名称，与营业执照一致（已按账号信息预填）。", required=True, max_length=100),
    CreditCode("credit_code", "统一社会信用代码", "运营主体的18位统一社会信用代码，与营业执照一致。", required=True),
    Text("legal_representative", "法定代表人", "运营主体营业执照上的法定代表人姓名。", required=True, max_length=50),
    Choice("base_type", "基地类型", "按基地实际形态选择一项。", required=True, options=BASE_TYPES),
    Date("founded_on", "成立日期", "基地开始运营的日期，格式如 2018-05-18；运营年限按此计算。", required=True),
    Region("region_code", "注册地区", "运营主体的注册地区（区县）。申报按此地区送区县工信部门审核，请务必准确。", required=True),
    Text("address", "详细地址", "基地所在的详细地址，含街道、门牌号。", required=True, max_length=200),
    Text("industry", "主导产业", "基地入驻企业的主要产业方向，如“软件和信息技术服务业”。", required=True, max_length=100),
    Amount("total_area", "基地总面积", "基地可使用的总建筑面积，填写数字，最多两位小数，不要使用逗号。", required=True, unit="㎡"),
    Amount("own_area", "自有面积", "总面积中自有产权部分；没有填 0。", required=True, unit="㎡"),
    Amount("leased_area", "租赁面积", "总面积中租赁部分；没有填 0。", required=True, unit="㎡"),
    Amount("investment", "累计投入", "基地建设和运营的累计投入，单位万元，最多两位小数，不要使用逗号。", required=True),
    Amount("revenue", "上年度运营收入", "运营主体上年度的基地运营收入，单位万元，最多两位小数，不要使用逗号。", required=True),
    Integer("tenant_count", "入驻企业数", "截至申报时在基地内入驻的企业总数，应与“入驻企业”中的填报数一致。", required=True, unit="家", max=100000),
    Integer("small_micro_count", "其中小微企业数", "入驻企业中小型、微型企业的数量，不能多于入驻企业数。", required=True, unit="家", max=100000),
    Integer("tenant_employees", "入驻企业从业人员总数", "全部入驻企业的从业人员合计，应与“入驻企业”中的合计一致。", required=True, unit="人", max=10000000),
    Integer("service_staff", "专职服务人员数", "基地的专职服务人员（含创业辅导师），应与“主要人员”中专职的专职服务人员和创业辅导师人数一致。", required=True, unit="人", max=100000),
    Integer("mentors", "其中创业辅导师数", "专职服务人员中的创业辅导师人数，应与“主要人员”中的创业辅导师人数一致。", required=True, unit="人", max=100000),
    Integer("partner_count", "合作服务机构数", "与基地签订合作协议的服务机构数，应与“合作服务机构”中的条数一致。", required=True, unit="家", max=100000),
    Text("contact", "联系人", "负责本次申报的联系人姓名。", required=True, max_length=50),
    Mobile("contact_mobile", "联系手机", "联系人的11位手机号码；提交、退回和审核结果的短信发送到此号码。", required=True),
    Email("email", "电子邮箱", "联系人的电子邮箱（选填）。"),
    Text("introduction", "基地简介", "基地的基本情况、运营模式、服务能力等，不超过2000字。", required=True, max_length=2000, multiline=True),
    Text("cases", "典型服务案例", "近年来的典型服务案例，不超过3000字。", required=True, max_length=3000, multiline=True),
)

# The 申请表's parts, in page order. The first is 基本情况 and holds 注册地区
# (FAQ 2.7: "填报信息 → 基本情况 → 注册地区").
APPLICATION_GROUPS = (
    ("基本情况", ("base_name", "operator_name", "credit_code", "legal_representative", "base_type",
              "founded_on", "region_code", "address", "industry")),
    ("场地与运营", ("total_area", "own_area", "leased_area", "investment", "revenue")),
    ("入驻企业与服务人员", ("tenant_count", "small_micro_count", "tenant_employees", "service_staff", "mentors",
                   "partner_count")),
    ("联系人", ("contact", "contact_mobile", "email")),
    ("基地介绍", ("introduction", "cases")),
)
GROUP_OF = {key: title for title, keys in APPLICATION_GROUPS for key in keys}

PERSONNEL_SCHEMA = Schema(
    Text("name", "姓名", "人员的真实姓名。", required=True, max_length=50),
    Text("title", "职务", "在基地运营主体中担任的职务。", required=True, max_length=50),
    Choice("category", "人员类别", "管理人员、专职服务人员或创业辅导师，选择一项。", required=True, options=STAFF_CATEGORIES),
    Choice("education", "学历", "最高学历。", required=True, options=EDUCATION),
    Text("qualification", "职称或资格", "如高级经济师、创业咨询师等；没有可不填。", max_length=100),
    Phone("phone", "联系电话", "11位手机号码或带区号的固定电话（如025-83334567）。", required=True),
    Choice("full_time", "是否专职", "是否为基地专职人员。", required=True, options=YES_NO),
)

PARTNERS_SCHEMA = Schema(
    Text("name", "机构名称", "合作服务机构的名称，与其营业执照或法人证书一致。", required=True, max_length=100),
    CreditCode("credit_code", "统一社会信用代码", "合作服务机构的18位统一社会信用代码。", required=True),
    Choice("category", "服务类别", "该机构为基地提供的主要服务类别。", required=True, options=SERVICE_CATEGORIES),
    Date("starts_on", "合作协议起始日期", "合作协议的生效日期，格式如 2024-01-01。", required=True, not_future=False),
    Date("ends_on", "合作协议终止日期", "合作协议的终止日期，不能早于起始日期。", required=True, not_future=False),
    Text("contact", "联系人", "机构方面的联系人。", required=True, max_length=50),
    Phone("phone", "联系电话", "11位手机号码或带区号的固定电话。", required=True),
)

LEDGER_SCHEMA = Schema(
    Date("served_on", "服务日期", "提供服务的日期，格式如 2025-03-15。", required=True),
    Choice("category", "服务类别", "八类服务之一。", required=True, options=SERVICE_CATEGORIES),
    Text("target", "服务对象", "接受服务的入驻企业名称；面向多家企业的活动填“活动”。", required=True, max_length=100),
    Text("content", "服务内容", "简述服务的内容。", required=True, max_length=500, multiline=True),
    Choice("mode", "服务方式", "线上或线下。", required=True, options=SERVICE_MODES),
    Text("place", "地点", "线下服务的地点；线上服务可不填。", max_length=100),
    Integer("companies", "参与企业数", "参与本次服务的企业数。", required=True, unit="家", max=100000),
    Integer("participants", "参与人次", "参与本次服务的人次。", required=True, unit="人次", max=1000000),
    Choice("fee_mode", "收费方式", "免费、低收费或市场价。", required=True, options=FEE_MODES),
    Amount("fee", "收费金额", "本次服务收取的费用，单位元；免费填 0。", unit="元"),
    Text("feedback", "企业反馈", "服务对象的评价或反馈（选填）。", max_length=500),
)

SCHEMAS = {APPLICATION: APPLICATION_SCHEMA, PERSONNEL: PERSONNEL_SCHEMA, PARTNERS: PARTNERS_SCHEMA, LEDGER: LEDGER_SCHEMA}
LIST_SECTIONS = (PERSONNEL, PARTNERS, LEDGER)
FORM_SECTIONS = (APPLICATION,)
ORDER = (APPLICATION, PERSONNEL, TENANTS, PARTNERS, LEDGER, ATTACHMENTS)

# Section states on the main data page.
NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
HAS_PROBLEMS = "has_problems"
STATE_LABELS = {NOT_STARTED: "未开始", IN_PROGRESS: "填写中", COMPLETED: "已完成", HAS_PROBLEMS: "有问题"}


def _area(value):
    from decimal import Decimal

    return Decimal(value)


def check_application(clean):
    """Checks between fields of 申请表 that are both filled: {key: message}."""
    errors = {}
    if {"tenant_count", "small_micro_count"} <= clean.keys():
        if clean["small_micro_count"] > clean["tenant_count"]:
            errors["small_micro_count"] = "小微企业数不能多于入驻企业数"
    if {"service_staff", "mentors"} <= clean.keys():
        if clean["mentors"] > clean["service_staff"]:
            errors["mentors"] = "创业辅导师数不能多于专职服务人员数"
    if {"total_area", "own_area", "leased_area"} <= clean.keys():
        if _area(clean["own_area"]) + _area(clean["leased_area"]) > _area(clean["total_area"]):
            errors["leased_area"] = "自有面积与租赁面积之和不能大于基地总面积"
    return errors


def check_partner(clean):
    errors = {}
    if {"starts_on", "ends_on"} <= clean.keys() and clean["ends_on"] < clean["starts_on"]:
        errors["ends_on"] = "终止日期不能早于起始日期"
    return errors


def check_ledger(clean):
    errors = {}
    if clean.get("fee_mode") == "免费" and clean.get("fee") not in (None, "0.00"):
        errors["fee"] = "收费方式为免费时，收费金额应为 0"
    if clean.get("fee_mode") in ("低收费", "市场价") and "fee" not in clean:
        errors["fee"] = "收费方式为低收费或市场价时，请填写收费金额"
    if clean.get("mode") == "线下" and not clean.get("place"):
        errors["place"] = "线下服务请填写地点"
    return errors


CROSS_FIELD = {APPLICATION: check_application, PARTNERS: check_partner, LEDGER: check_ledger}


def validate(section, data, require_all=False):
    """(clean values, {key: message}) of a form (申请表) or of one list row.
    A list row is a small record and is checked whole."""
    schema = SCHEMAS[section]
    if section in LIST_SECTIONS:
        require_all = True
    clean, errors = schema.validate(data or {}, require_all=require_all)
    for key, message in CROSS_FIELD.get(section, lambda _c: {})(clean).items():
        errors.setdefault(key, message)
    return clean, errors


def fields(section):
    """The description of a section's fields; those of 申请表 name their part
    ("group", e.g. 基本情况)."""
    out = SCHEMAS[section].describe()
    if section == APPLICATION:
        for entry in out:
            entry["group"] = GROUP_OF.get(entry["key"], "")
    return out


# What the 服务台账 import template holds besides the fields (its sheet's
# name and an example row); the template is drawn from the description.
LEDGER_SHEET = "服务台账"
LEDGER_EXAMPLE = {
    "served_on": "2025-03-15", "category": "创业辅导", "target": "南京某某科技有限公司",
    "content": "创业计划书辅导", "mode": "线下", "place": "基地二楼会议室", "companies": 1,
    "participants": 3, "fee_mode": "免费", "fee": 0, "feedback": "满意",
}


def describe():
    """Every section as a part of the description (docs/descriptions.md):
    key, label, whether it is a list, its fields; 附件 its categories, 服务台账
    its import template's sheet and example row, 入驻企业 the labels of the
    section states."""
    out = []
    for key in ORDER:
        entry = {"key": key, "label": _label(key), "list": key in LIST_SECTIONS}
        if key in SCHEMAS:
            entry["fields"] = fields(key)
        if key == ATTACHMENTS:
            entry["categories"] = list(ATTACHMENT_CATEGORIES)
        if key == LEDGER:
            entry["template"] = {"sheet": LEDGER_SHEET, "example": dict(LEDGER_EXAMPLE)}
        if key == TENANTS:  # its state on the main page is drawn there from the tenants' totals
            entry["states"] = dict(STATE_LABELS)
        out.append(entry)
    return out


@functools.lru_cache(maxsize=1)
def description():
    """`describe()` in the one format of descriptions: {"hash", "parts"}."""
    return hashed(describe())


def hashed(parts):
    """{"hash", "parts"}: the hash of the canonical JSON of the parts (keys
    sorted, no spaces, UTF-8; SHA-256, the first 32 hex digits)."""
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return {"hash": hashlib.sha256(canonical.encode()).hexdigest()[:32], "parts": parts}


def _label(key):
    from services.common import contracts

    return contracts.SECTIONS[key]
