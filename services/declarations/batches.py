"""申报批次: dates, thresholds and required attachments are configuration of
a batch, set by an admin in the console (never in code).

A batch opens at 00:00 and closes at 23:59:59 (Asia/Shanghai) of the days
the admin names; returned declarations may be resubmitted until the end of
the resubmission day (补正截止, on or after the closing day).
"""
import datetime as dt
import uuid

from sqlalchemy import select

from services.common import contracts
from services.common.clock import beijing_day, day_end, day_start, iso, utc, utcnow
from services.common import operation_log
from services.common.errors import NotFound, ValidationFailed
from services.common.fields import Choice, Date, Integer, MultiChoice, Schema, Text
from services.declarations import checks, sections
from services.declarations.models import Batch
from services.declarations.sections import ATTACHMENT_CATEGORIES

KINDS = ("首次申报", "重新申报", "复核")
# kinds whose 开始申报 starts from the enterprise's last declaration (prefill.py)
CARRY_OVER_KINDS = ("重新申报", "复核")
PUBLICITY_CHOICES = ("需要公示", "不需要公示")
DEMO_NAME = "演示批次：双创基地认定申报（阈值仅提示）"

BATCH_SCHEMA = Schema(
    Text("name", "批次名称", "如“2026年度江苏省小型微型企业创业创新示范基地认定”。", required=True, max_length=200),
    Integer("year", "年度", "申报年度，如 2026。", required=True, min=2000, max=2100),
    Choice("kind", "申报类型", "首次申报、重新申报或复核；重新申报和复核从企业上次申报的申请表、主要人员、合作服务机构开始。",
           required=True, options=KINDS),
    Date("opens_on", "开始日期", "当天 0 时起可以开始申报。", required=True, not_future=False),
    Date("closes_on", "截止日期", "当天 23:59:59（北京时间）截止提交。", required=True, not_future=False),
    Date("resubmit_until", "补正截止日期", "被退回的申报在此日 23:59:59 前可修改后再次提交，不能早于截止日期。", required=True, not_future=False),
    Text("notice", "申报须知", "开始申报时向企业展示的须知。", max_length=5000, multiline=True),
    *[
        Integer(key, f"{label}不少于", f"门槛：{label}的最低值（{unit}）；不设此门槛请留空。", min=0, max=1000000, unit=unit)
        for key, label, unit in checks.THRESHOLDS
    ],
    *[
        Integer(key, f"{category}{label}不少于", f"门槛：服务台账中“{category}”一年内的{label}最低值（{unit}）；不设请留空。",
                min=0, max=1000000, unit=unit)
        for key, category, _measure, label, unit in checks.CATEGORY_THRESHOLDS
    ],
    Choice("thresholds_block", "未达门槛时", "“仅提示”：提交前提示未达到的门槛，仍可提交；“不允许提交”：未达门槛不能提交。",
           required=True, options=("仅提示", "不允许提交")),
    MultiChoice("required_attachments", "必须上传的附件", "提交时必须已上传的附件类别。", options=ATTACHMENT_CATEGORIES),
    Integer("max_attachment_mb", "单个附件大小上限", "每个附件文件的最大大小。", required=True, min=1, max=100, unit="MB"),
    Integer("review_due_working_days", "每级审核时限",
            "每一级工信部门审核一件申报的工作日数（按节假日和调休计算），超过即在审核列表中标为“超期”；留空按系统默认。",
            min=1, max=365, unit="个工作日"),
    Choice("publicity", "需要公示", "“需要公示”：省级通过后先列入公示，公示期结束后才能认定；“不需要公示”：省级通过即可认定。",
           options=PUBLICITY_CHOICES),
)


def describe_form():
    """The console's batch form as a description (docs/descriptions.md):
    the general fields, the thresholds, and the yearly minimums per service
    category (a table: its `categories` rows of `measures` columns, each
    cell the field `cat<n>_<measure>`)."""
    described = {f["key"]: f for f in BATCH_SCHEMA.describe()}
    category_keys = [key for key, *_rest in checks.CATEGORY_THRESHOLDS]
    general = [f for key, f in described.items() if key not in checks.ALL_THRESHOLD_KEYS]
    return sections.hashed([
        {"key": "general", "label": "申报批次", "fields": general},
        {"key": "thresholds", "label": "认定门槛", "fields": [described[key] for key in checks.THRESHOLD_KEYS]},
        {"key": "category_minimums", "label": "服务类别年度最低要求", "fields": [described[key] for key in category_keys],
         "categories": list(sections.SERVICE_CATEGORIES),
         "measures": [{"key": m, "label": label, "unit": unit} for m, label, unit in checks.MEASURES]},
    ])


def is_open(batch, now):
    return batch is not None and utc(batch.opens_at) <= now <= utc(batch.closes_at)


def batch_dict(b):
    if b is None:
        return None
    return {
        "id": b.id, "name": b.name, "year": b.year, "kind": b.kind,
        "opens_at": iso(b.opens_at), "closes_at": iso(b.closes_at),
        "resubmit_until": iso(b.resubmit_until),
        "opens_on": beijing_day(b.opens_at).isoformat(), "closes_on": beijing_day(b.closes_at).isoformat(),
        "resubmit_until_day": beijing_day(b.resubmit_until).isoformat(),
        "notice": b.notice, "thresholds": dict(b.thresholds or {}), "thresholds_block": b.thresholds_block,
        "required_attachments": list(b.required_attachments or []),
        "max_attachment_mb": b.max_attachment_mb, "demo": b.demo,
        "publicity_required": b.publicity_required is not False,
        "review_due_working_days": b.review_due_working_days,
    }


def form_values(b):
    """The batch as the console form shows it."""
    d = batch_dict(b)
    values = {
        "name": d["name"], "year": d["year"], "kind": d["kind"], "opens_on": d["opens_on"],
        "closes_on": d["closes_on"], "resubmit_until": d["resubmit_until_day"], "notice": d["notice"],
        "thresholds_block": "不允许提交" if d["thresholds_block"] else "仅提示",
        "required_attachments": d["required_attachments"], "max_attachment_mb": d["max_attachment_mb"],
        "publicity": PUBLICITY_CHOICES[0] if d["publicity_required"] else PUBLICITY_CHOICES[1],
        "review_due_working_days": d["review_due_working_days"] or "",
    }
    values.update(d["thresholds"])
    return values


def list_batches(session, only_open=False, now=None):
    rows = session.execute(select(Batch).order_by(Batch.opens_at.desc())).scalars().all()
    if only_open:
        now = now or utcnow()
        rows = [b for b in rows if is_open(b, now)]
    return [batch_dict(b) for b in rows]


def get_batch(session, batch_id):
    b = session.get(Batch, str(batch_id))
    if b is None:
        raise NotFound("未找到该申报批次")
    return b


def save_batch(session, principal, data, batch_id=None, now=None):
    principal.require(contracts.ADMIN)
    now = now or utcnow()
    existing = get_batch(session, batch_id) if batch_id else None
    if existing is not None:  # a field the form did not carry keeps its value
        data = {**form_values(existing), **(data or {})}
    clean, errors = BATCH_SCHEMA.validate(data or {}, require_all=True)
    if not errors:
        if clean["closes_on"] < clean["opens_on"]:
            errors["closes_on"] = "截止日期不能早于开始日期"
        elif clean["resubmit_until"] < clean["closes_on"]:
            errors["resubmit_until"] = "补正截止日期不能早于截止日期"
    if errors:
        raise ValidationFailed("填写内容有误，请按红色提示修改后再保存", errors)
    b = existing if batch_id else Batch(id=str(uuid.uuid4()), created_at=now, demo=False)
    before = form_values(b) if batch_id else None
    b.name = clean["name"]
    b.year = clean["year"]
    b.kind = clean["kind"]
    b.opens_at = day_start(dt.date.fromisoformat(clean["opens_on"]))
    b.closes_at = day_end(dt.date.fromisoformat(clean["closes_on"]))
    b.resubmit_until = day_end(dt.date.fromisoformat(clean["resubmit_until"]))
    b.notice = clean.get("notice", "")
    b.thresholds = {k: clean[k] for k in checks.ALL_THRESHOLD_KEYS if k in clean}
    b.thresholds_block = clean["thresholds_block"] == "不允许提交"
    b.required_attachments = clean.get("required_attachments", [])
    b.max_attachment_mb = clean["max_attachment_mb"]
    b.publicity_required = clean.get("publicity") != PUBLICITY_CHOICES[1]  # 需要公示 unless said otherwise
    b.review_due_working_days = clean.get("review_due_working_days")  # None: review's default
    b.updated_at = now
    if batch_id is None:
        session.add(b)
    session.flush()
    after = form_values(b)
    changed = {k for k in after if before is None or before.get(k) != after.get(k)}
    operation_log.record(
        session, principal, "batch.update" if batch_id else "batch.create", b.name, b.id,
        before={k: before.get(k) for k in sorted(changed)} if before else None,
        after={k: after.get(k) for k in sorted(changed)}, now=now,
    )
    return batch_dict(b)


DEMO_NOTICE = (
    "一、申报主体为在江苏省内注册、运营双创基地的企业。\n"
    "二、请如实填写申请表、主要人员、合作服务机构、服务台账，上传附件，并邀请入驻企业扫码填报。\n"
    "三、每一部分填写后请点击页面底部的“保存”；全部完成后点击“提交”，进入工信部门审核流程。\n"
    "四、被退回的申报可在补正截止日期前修改、保存后再次提交。"
)


def seed_demo_batch(session, now=None):
    """An open demo batch whose thresholds only warn (idempotent)."""
    now = now or utcnow()
    existing = session.execute(select(Batch).where(Batch.demo.is_(True))).scalars().first()
    today = beijing_day(now)
    if existing is not None:
        if not is_open(existing, now):  # keep it open when seeded again
            existing.opens_at = day_start(today - dt.timedelta(days=30))
            existing.closes_at = day_end(today + dt.timedelta(days=180))
            existing.resubmit_until = day_end(today + dt.timedelta(days=240))
            existing.updated_at = now
        return batch_dict(existing), False
    b = Batch(
        id=str(uuid.uuid4()), name=DEMO_NAME, year=today.year, kind="首次申报",
        opens_at=day_start(today - dt.timedelta(days=30)), closes_at=day_end(today + dt.timedelta(days=180)),
        resubmit_until=day_end(today + dt.timedelta(days=240)), notice=DEMO_NOTICE,
        thresholds={"min_years": 3, "min_small_micro": 80, "min_tenant_employees": 1500,
                    "min_service_staff": 10, "min_mentors": 3, "min_partners": 5,
                    "min_free_share": 20, "min_categories": 4,
                    # 信息服务 ≥ 100 家次 and 6 活动, 创业辅导 ≥ 50 家次, 创新支持 ≥ 6 次,
                    # 人员培训 ≥ 300 人次, 市场营销 ≥ 2 次 (national rules)
                    "cat1_visits": 100, "cat1_events": 6, "cat2_visits": 50, "cat3_times": 6,
                    "cat4_people": 300, "cat5_times": 2},
        thresholds_block=False, required_attachments=["申请报告", "营业执照或法人证书", "真实性承诺书"],
        max_attachment_mb=20, demo=True, publicity_required=True, created_at=now, updated_at=now,
    )
    session.add(b)
    session.flush()
    return batch_dict(b), True
