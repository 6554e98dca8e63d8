"""Test data of the declarations tests: a complete declaration's sections."""
import datetime as dt

from services.common import contracts as c
from services.common.principal import Principal
from tests.support.identifiers import credit_code

REGION = "320102"  # 南京市玄武区
OTHER_REGION = "320583"  # 苏州市昆山市


def enterprise(eid="ent-1", region=REGION):
    return Principal(kind=c.ENTERPRISE, id=eid, region_code=region)


def reviewer(level, region):
    return Principal(kind=c.REVIEWER, id=f"rev-{level}-{region}", region_code=region, level=level)


ADMIN = Principal(kind=c.ADMIN, id="admin-1")


def application(**overrides):
    values = {
        "base_name": "玄武创业园", "operator_name": "南京玄武创业服务有限公司",
        "credit_code": credit_code("91320102MA1XYW12A"), "legal_representative": "张三",
        "base_type": "创业园", "founded_on": "2015-06-01", "region_code": REGION,
        "address": "南京市玄武区珠江路1号", "industry": "软件和信息技术服务业",
        "total_area": "12000.50", "own_area": "2000", "leased_area": "10000.50",
        "investment": "3500.00", "revenue": "860.25", "tenant_count": "2", "small_micro_count": "2",
        "tenant_employees": "60", "service_staff": "2", "mentors": "1", "partner_count": "1",
        "contact": "李四", "contact_mobile": "13912345678", "email": "lisi@example.com",
        "introduction": "基地简介", "cases": "典型服务案例",
    }
    values.update(overrides)
    return values


def person(**overrides):
    values = {"name": "王五", "title": "主任", "category": "专职服务人员", "education": "大学本科",
              "qualification": "", "phone": "025-83334567", "full_time": "是"}
    values.update(overrides)
    return values


def partner(**overrides):
    values = {"name": "南京某会计师事务所", "credit_code": credit_code("91320102MA1ABC34B"),
              "category": "专业服务", "starts_on": "2024-01-01", "ends_on": "2026-12-31",
              "contact": "赵六", "phone": "13800001111"}
    values.update(overrides)
    return values


def ledger_row(**overrides):
    values = {"served_on": "2025-03-15", "category": "创业辅导", "target": "南京某某科技有限公司",
              "content": "创业计划书辅导", "mode": "线下", "place": "基地会议室", "companies": "1",
              "participants": "3", "fee_mode": "免费", "fee": "0", "feedback": "满意"}
    values.update(overrides)
    return values


TOTALS = {"count": 2, "small_micro_count": 2, "employees": 60, "revenue": "1200.00"}


def batch_form(**overrides):
    today = dt.date.today()
    values = {
        "name": "2026年度江苏省小型微型企业创业创新示范基地认定", "year": "2026", "kind": "首次申报",
        "opens_on": (today - dt.timedelta(days=1)).isoformat(),
        "closes_on": (today + dt.timedelta(days=30)).isoformat(),
        "resubmit_until": (today + dt.timedelta(days=60)).isoformat(),
        "notice": "申报须知", "thresholds_block": "仅提示", "required_attachments": [],
        "max_attachment_mb": "5",
    }
    values.update(overrides)
    return values
