"""Label tables of the review service (the console shows these words)."""
from services.common import contracts

# Actions recorded in the audit trail.
SUBMITTED = "submitted"
RESUBMITTED = "resubmitted"
ADVANCE = "advance"  # 通过 at county or city level: to the next level
APPROVE = "approve"  # 认定 at province level
RETURN = "return"
REJECT = "reject"
ADMIN_RETURN = "admin_return"
PUBLICIZE = "publicize"  # the province selects the case into a 公示
WITHDRAW = "withdraw"  # 撤回 by the enterprise
REVIEW_ACTIONS = (ADVANCE, APPROVE, RETURN, REJECT, ADMIN_RETURN, PUBLICIZE)

ACTION_LABELS = {
    SUBMITTED: "提交",
    RESUBMITTED: "重新提交",
    ADVANCE: "通过",
    APPROVE: "认定",
    RETURN: "退回",
    REJECT: "不通过",
    ADMIN_RETURN: "管理员退回",
    PUBLICIZE: "公示",
    WITHDRAW: "撤回",
}

LEVEL_LABELS = {
    contracts.COUNTY: "区县",
    contracts.CITY: "设区市",
    contracts.PROVINCE: "省级",
    contracts.ADMIN_RETURN_LEVEL: "管理员",
}

NEXT_LEVEL = contracts.NEXT_LEVEL

# States a resubmission of the same version may reopen.
REOPENABLE_STATES = (contracts.RETURNED, contracts.WITHDRAWN)

# The province level's offline steps, recorded as dated notes before 认定,
# and the objections (异议) received during a 公示.
NOTE_STEPS = {
    "formal": "形式审查",
    "credit": "信用查询",
    "expert": "专家评审",
    "site": "现场核查",
    "objection": "异议",
}
# Steps no longer offered whose notes are still shown (公示 is a state now).
RETIRED_NOTE_STEPS = {"publicity": "公示"}
# The steps a note may record while the case is in each state.
NOTE_STEPS_OF_STATE = {
    contracts.PENDING_PROVINCE: ("formal", "credit", "expert", "site"),
    contracts.IN_PUBLICITY: ("objection",),
}

# 认定: the 证书编号 of a recognised base (the year of its 认定, a number
# counted per year) and the 认定文号's bounds.
CERTIFICATE_FORMAT = "苏双创基地〔{year}〕{number:04d}"
DOCUMENT_NUMBER_MAX = 100

# Key figures of a declaration's summary (declaration_submitted), in the
# order the inbox, the case page and the export show them.
KEY_FIGURES = (
    ("base_type", "基地类型"),
    ("years", "运营年限（年）"),
    ("total_area", "基地总面积（㎡）"),
    ("revenue", "上年度运营收入（万元）"),
    ("tenant_count", "入驻企业数"),
    ("small_micro_count", "其中小微企业数"),
    ("employees", "入驻企业从业人员数"),
    ("service_staff", "专职服务人员数"),
    ("mentors", "创业辅导师数"),
    ("partners", "合作服务机构数"),
    ("ledger_entries", "服务台账条数"),
    ("free_share", "免费或低收费服务占比（%）"),
    ("categories", "服务类别数"),
    ("warnings", "未达标提示数"),
)
