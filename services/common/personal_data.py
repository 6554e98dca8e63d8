"""Personal data the system keeps: every category, why, and for how long.

One table, read by the rules page (个人信息处理规则), the intake's notice and
every service's retention housekeeping, so that what the page promises is what
the housekeeping does. A retention in days or years is a setting (the
environment variable named with it); the defaults are in the README.

`NOTICE_VERSION` names the wording of the short notice on the tenant intake's
pages; a tenant entry records the version its 确认提交 was made under.
"""
from dataclasses import dataclass

from sqlalchemy import select

from services.common import clock
from services.common import config as cfg
from services.common import contracts
from services.common.tables import personal_data_log

NOTICE_VERSION = "2026-11"
CONTROLLER = "江苏省中小企业公共服务平台"  # who decides what is collected and why
CONTACT = "平台管理员"  # who to ask (through the base's operator or the platform's service line)

DAY = 1
YEAR = 365


@dataclass(frozen=True)
class Category:
    key: str
    label: str  # 类别
    data: str  # what is kept
    purpose: str  # 目的
    retention: str  # 保存期限, in words ({n} is the configured number)
    setting: str = None  # the environment variable of the number, if configurable
    default: int = None
    unit: int = DAY  # days per unit of the setting


CATEGORIES = (
    Category("account", "企业账号信息", "用户名、企业名称、统一社会信用代码、联系人姓名、联系手机",
             "注册与登录、找回用户名和密码、审核进度短信通知", "账号存续期间；应企业要求删除时即删除"),
    Category("licence", "营业执照图片", "注册和申诉时上传的营业执照或法人证书图片",
             "核实注册企业的身份", "账号存续期间；应企业要求删除时即删除"),
    Category("appeal", "申诉材料", "申诉人姓名、新联系手机、营业执照图片",
             "处理更换联系手机的申诉", "申诉处理完毕后{n}天", contracts.ENV_RETENTION_APPEAL_DAYS, 180),
    Category("sms", "短信内容与发送记录", "接收手机号、短信正文、发送结果",
             "发送验证码和审核通知，处理投诉和核对", "发送后{n}天", contracts.ENV_RETENTION_SMS_DAYS, 180),
    Category("draft", "未提交的申报", "申请表、主要人员（姓名、职务、联系方式）、合作服务机构、服务台账、附件、入驻企业填报信息",
             "企业填写认定申报", "申报批次截止后{n}年仍未提交的，删除", contracts.ENV_RETENTION_DRAFT_YEARS, 1, YEAR),
    Category("rejected", "未通过的申报", "同上，以及各版本和审核意见",
             "认定审核、复核与申诉", "未通过之日起{n}年后删除其中的个人信息和附件", contracts.ENV_RETENTION_REJECTED_YEARS, 3, YEAR),
    Category("recognised", "已认定的申报", "同上",
             "认定结果、有效期内的管理与复核", "认定有效期（{v}年）届满后再保存{n}年，之后删除其中的个人信息和附件",
             contracts.ENV_RETENTION_RECOGNISED_YEARS, 5, YEAR),
    Category("tenant", "入驻企业填报信息", "入驻企业名称、统一社会信用代码、联系人姓名、联系手机、经营数据",
             "所属基地的认定申报及其审核", "与所属基地的申报相同，随之删除"),
    Category("staff", "审核人员账号", "用户名、姓名、所属地区、两步验证密钥（加密保存）",
             "工信部门审核人员和管理员登录、审核留痕", "账号存续期间"),
    Category("security", "登录与安全记录", "登录失败的用户名和IP地址、登录会话",
             "防范撞库和暴力破解", "1天（会话结束后1天）"),
)
BY_KEY = {cat.key: cat for cat in CATEGORIES}
RECOGNITION_VALID_YEARS = 3  # default of RECOGNITION_VALID_YEARS


def recognition_valid_years(config=None):
    return _positive(contracts.ENV_RECOGNITION_VALID_YEARS, cfg.get(contracts.ENV_RECOGNITION_VALID_YEARS, config,
                                                               default=str(RECOGNITION_VALID_YEARS)))


def _positive(name, raw):
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {raw!r}")
    return value


def retention(key, config=None):
    """The configured number (days or years, as the category counts) of a
    configurable category."""
    cat = BY_KEY[key]
    return _positive(cat.setting, cfg.get(cat.setting, config, default=str(cat.default)))


def retention_days(key, config=None):
    return retention(key, config) * BY_KEY[key].unit


def describe(config=None):
    """Every category with its retention in words (the rules page)."""
    out = []
    for cat in CATEGORIES:
        text = cat.retention
        if cat.setting:
            text = text.format(n=retention(cat.key, config), v=recognition_valid_years(config))
        out.append({"key": cat.key, "label": cat.label, "data": cat.data, "purpose": cat.purpose, "retention": text})
    return out


def check(config=None):
    """Every retention setting read once: ValueError for one that makes no sense."""
    for cat in CATEGORIES:
        if cat.setting:
            retention(cat.key, config)
    recognition_valid_years(config)


# --- the log of what happened to personal data (counts only) ---------------------------

DELETED = "deleted"
ANONYMISED = "anonymised"
EXPORTED = "exported"
RETENTION = "retention"
REQUEST = "request"


def record(conn, category, action, count, reason=RETENTION, actor=None, subject_id=None, now=None):
    """A line of the service's personal_data_log (a Session or a Connection).
    Housekeeping records only what it did (count > 0); a request always."""
    if not count and reason == RETENTION:
        return
    conn.execute(personal_data_log.insert().values(
        at=now or clock.utcnow(), category=category, action=action, count=int(count),
        reason=reason, actor_kind=getattr(actor, "kind", None), actor_id=getattr(actor, "id", None),
        subject_id=subject_id,
    ))


def log_lines(conn, limit=200):
    """The newest lines of a service's personal_data_log."""
    rows = conn.execute(select(personal_data_log).order_by(personal_data_log.c.id.desc()).limit(limit)).mappings()
    return [{**row, "at": row["at"].isoformat()} for row in rows]
