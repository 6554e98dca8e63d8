"""The tenant intake form (docs/domain.md, 入驻企业): one rule table per step.

The same tables drive the service's checks, the red messages and help icons of
the mobile pages, the summary before 确认提交 and the Excel export.
"""
import functools
import re
from dataclasses import dataclass
from decimal import Decimal

from services.common import fields
from services.common.fields import (
    Amount,
    Choice,
    CreditCode,
    Date,
    Field,
    FieldError,
    Integer,
    Mobile,
    MultiChoice,
    Schema,
    Text,
)

AREA_MESSAGE = "请填写数字，最多两位小数，不要使用逗号"
_AREA = re.compile(r"^\d{1,9}(\.\d{1,2})?$", re.ASCII)


@dataclass
class Area(Field):
    """Square metres: a plain decimal with at most two places."""

    unit: str = "㎡"
    kind = "amount"
    cap = 20

    def parse(self, raw):
        text = str(raw).strip()
        if not _AREA.match(text):
            raise FieldError(AREA_MESSAGE)
        value = Decimal(text)
        if value <= 0:
            raise FieldError("租用面积应大于0")
        return f"{value:.2f}"

    def describe(self):
        return {**super().describe(), "unit": self.unit}


SIZES = ("大型", "中型", "小型", "微型")
SMALL_MICRO = ("小型", "微型")

# GB/T 4754-2017 门类
INDUSTRIES = (
    "A 农、林、牧、渔业",
    "B 采矿业",
    "C 制造业",
    "D 电力、热力、燃气及水生产和供应业",
    "E 建筑业",
    "F 批发和零售业",
    "G 交通运输、仓储和邮政业",
    "H 住宿和餐饮业",
    "I 信息传输、软件和信息技术服务业",
    "J 金融业",
    "K 房地产业",
    "L 租赁和商务服务业",
    "M 科学研究和技术服务业",
    "N 水利、环境和公共设施管理业",
    "O 居民服务、修理和其他服务业",
    "P 教育",
    "Q 卫生和社会工作",
    "R 文化、体育和娱乐业",
    "S 公共管理、社会保障和社会组织",
    "T 国际组织",
)

QUALIFICATIONS = ("高新技术企业", "专精特新", "科技型中小企业")

BASE = Schema(
    Date("move_in_date", "入驻日期", help="贵企业入驻本基地的日期（以入驻协议或租赁合同为准）。", required=True),
    Area("leased_area", "租用面积", help="在本基地租用的面积，单位平方米，最多两位小数，不要使用逗号。", required=True),
)

BASIC = Schema(
    Text("company_name", "企业名称", help="与营业执照上的名称一致。", required=True, max_length=100),
    CreditCode(
        "credit_code",
        "统一社会信用代码",
        help="营业执照上的18位代码，字母请用大写。同一基地每家企业只能提交一次。",
        required=True,
    ),
    Date("founded_on", "成立日期", help="营业执照上的成立日期。", required=True),
    Choice("size", "企业规模", help="按国家中小企业划型标准（从业人员、营业收入等）确定。", required=True, options=SIZES),
    Choice("industry", "所属行业", help="按《国民经济行业分类》（GB/T 4754）门类选择。", required=True, options=INDUSTRIES),
    Text("contact_name", "联系人", help="负责本次填报的人员姓名。", required=True, max_length=50),
    Mobile("contact_mobile", "联系手机", help="11位中国大陆手机号码。", required=True),
)

OPERATIONS = Schema(
    Integer("employees", "从业人员数", help="上年度末在职从业人员数（人）。", required=True, min=0, max=1000000, unit="人"),
    Amount("revenue", "营业收入", help="上年度营业收入，单位万元，最多两位小数，不要使用逗号。", required=True),
    Amount("tax", "纳税总额", help="上年度实际缴纳的各项税费合计，单位万元。", required=True),
    Amount("rd_expense", "研发投入", help="上年度研发费用，单位万元；没有请填0。", required=True),
    Integer("patents", "知识产权数（专利）", help="拥有的有效专利件数；没有请填0。", required=True, min=0, max=100000, unit="件"),
    Integer(
        "software_copyrights",
        "知识产权数（软件著作权）",
        help="拥有的软件著作权件数；没有请填0。",
        required=True,
        min=0,
        max=100000,
        unit="件",
    ),
    Amount("financing", "获得融资", help="上年度获得的股权和债权融资合计，单位万元；没有请填0。", required=True),
    MultiChoice("qualifications", "资质", help="已获得的资质，可多选；没有可不选。", options=QUALIFICATIONS),
)


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    schema: Schema


STEPS = (
    Step("base", "所属基地信息", BASE),
    Step("basic", "基本信息", BASIC),
    Step("operations", "运营数据", OPERATIONS),
)
STEP_KEYS = tuple(step.key for step in STEPS)
BY_KEY = {step.key: step for step in STEPS}


def step(key):
    return BY_KEY.get(key)


def next_step(key):
    """The key of the step after `key`, or None after the last one."""
    i = STEP_KEYS.index(key)
    return STEP_KEYS[i + 1] if i + 1 < len(STEP_KEYS) else None


def previous_step(key):
    i = STEP_KEYS.index(key)
    return STEP_KEYS[i - 1] if i > 0 else None


def all_fields():
    """(step, field) for every field, in page order."""
    return [(step, field) for step in STEPS for field in step.schema]


def cross_check(draft):
    """Checks across fields once every step is filled: {field: message}."""
    errors = {}
    basic = draft.get("basic", {})
    base = draft.get("base", {})
    founded, moved_in = basic.get("founded_on"), base.get("move_in_date")
    if founded and moved_in and moved_in < founded:
        errors["move_in_date"] = "入驻日期不能早于企业成立日期"
    return errors


def describe():
    """The steps as the pages draw them: the shape every service's
    describe_* RPC answers with (docs/descriptions.md), a part per step."""
    return [{"key": step.key, "label": step.title, "fields": step.schema.describe()} for step in STEPS]


@functools.lru_cache(maxsize=1)
def description():
    """`describe()` with its hash: {"hash", "parts"}. The hash is of the
    canonical JSON of the parts, so any change to a rule table changes it."""
    return fields.description(describe())


def description_hash():
    return description()["hash"]
