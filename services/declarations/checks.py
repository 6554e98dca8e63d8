"""The checks of 提交: every section's rules with required fields, the
cross-section counts, the required attachments and the batch's thresholds.

A problem is {"section", "section_label", "field" (or None), "label" (the
field's label, or None), "group" (its part of 申请表, e.g. 基本情况), "row"
(or None), "row_number", "detail", "message", "blocking"}. The message names
its field ("基地名称：此项为必填项", "第1条 姓名：此项为必填项"), so whoever
shows it needs no rule table; warnings (thresholds of a batch that only
warns) are not blocking.
"""
import datetime as dt

from services.declarations import sections

# Thresholds a batch may set (key, label, unit); values are minimums.
THRESHOLDS = (
    ("min_years", "运营年限", "年"),
    ("min_small_micro", "入驻小微企业数", "家"),
    ("min_tenant_employees", "入驻小微企业从业人员数", "人"),
    ("min_service_staff", "专职服务人员数", "人"),
    ("min_mentors", "创业辅导师数", "人"),
    ("min_partners", "合作服务机构数", "家"),
    ("min_free_share", "免费或低收费服务占服务台账的比例", "%"),
    ("min_categories", "服务台账覆盖的服务类别数", "类"),
)
THRESHOLD_KEYS = tuple(k for k, _l, _u in THRESHOLDS)

# Yearly minimums per service category (e.g. 信息服务 ≥ 100 家次 and ≥ 6 活动):
# key "cat<n>_<measure>", n the category's place in SERVICE_CATEGORIES.
MEASURES = (
    ("visits", "服务家次", "家次"),  # the rows' 参与企业数, summed
    ("people", "服务人次", "人次"),  # the rows' 参与人次, summed
    ("times", "服务次数", "次"),  # rows
    ("events", "活动次数", "次"),  # rows whose 服务对象 is 活动
)
CATEGORY_THRESHOLDS = tuple(
    (f"cat{i}_{measure}", category, measure, label, unit)
    for i, category in enumerate(sections.SERVICE_CATEGORIES, start=1)
    for measure, label, unit in MEASURES
)
ALL_THRESHOLD_KEYS = THRESHOLD_KEYS + tuple(k for k, *_rest in CATEGORY_THRESHOLDS)


def category_figures(ledger):
    """{category: {visits, people, times, events}} of the ledger's rows."""
    out = {cat: {"visits": 0, "people": 0, "times": 0, "events": 0} for cat in sections.SERVICE_CATEGORIES}
    for row in ledger or []:
        counts = out.get(row.get("category"))
        if counts is None:
            continue
        counts["times"] += 1
        counts["visits"] += int(row.get("companies") or 0)
        counts["people"] += int(row.get("participants") or 0)
        counts["events"] += 1 if (row.get("target") or "").strip() == "活动" else 0
    return out


def problem(section, detail, field=None, row=None, blocking=True, label=None, row_number=None, named=False):
    """One problem; `label` (the field's) is put before the detail unless the
    detail already names the field (`named`)."""
    where = f"第{row_number}条 " if row_number else ""
    message = f"{where}{label}：{detail}" if label and not named else f"{where}{detail}"
    return {
        "section": section, "section_label": _label(section), "field": field, "label": label,
        "group": sections.GROUP_OF.get(field, "") if section == sections.APPLICATION else "",
        "row": row, "row_number": row_number, "detail": detail, "message": message, "blocking": blocking,
    }


def _field_label(section, key):
    schema = sections.SCHEMAS.get(section)
    return schema.by_key[key].label if schema is not None and key in schema.by_key else None


def years_between(start, end):
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def figures(data, tenant_totals, today=None):
    """The key figures of a declaration, from its lists and tenant totals."""
    app = data.get(sections.APPLICATION) or {}
    personnel = data.get(sections.PERSONNEL) or []
    partners = data.get(sections.PARTNERS) or []
    ledger = data.get(sections.LEDGER) or []
    totals = tenant_totals or {}
    full_time = [p for p in personnel if p.get("full_time") == "是"]
    years = None
    if app.get("founded_on"):
        years = years_between(dt.date.fromisoformat(app["founded_on"]), today or dt.date.today())
    free = sum(1 for r in ledger if r.get("fee_mode") in sections.FREE_OR_LOW)
    return {
        "years": years,
        "tenant_count": totals.get("count", 0),
        "small_micro_count": totals.get("small_micro_count", 0),
        "employees": totals.get("employees", 0),
        "small_micro_employees": totals.get("small_micro_employees", totals.get("employees", 0)),
        "tenant_revenue": totals.get("revenue"),
        "service_staff": sum(1 for p in full_time if p.get("category") in ("专职服务人员", sections.MENTOR)),
        "mentors": sum(1 for p in full_time if p.get("category") == sections.MENTOR),
        "personnel": len(personnel),
        "partners": len(partners),
        "ledger_entries": len(ledger),
        "free_share": round(100 * free / len(ledger), 1) if ledger else 0,
        "categories": len({r.get("category") for r in ledger if r.get("category")}),
    }


def threshold_values(key_figures):
    return {
        "min_years": key_figures["years"] or 0,
        "min_small_micro": key_figures["small_micro_count"],
        "min_tenant_employees": key_figures["small_micro_employees"],
        "min_service_staff": key_figures["service_staff"],
        "min_mentors": key_figures["mentors"],
        "min_partners": key_figures["partners"],
        "min_free_share": key_figures["free_share"],
        "min_categories": key_figures["categories"],
    }


def check(data, attachments, tenant_totals, batch_thresholds, thresholds_block,
          required_attachments, today=None):
    """Every problem of a declaration (`data`: {section: data}), in section order."""
    key_figures = figures(data, tenant_totals, today)
    problems = (
        _section_problems(data)
        + _count_problems(data.get(sections.APPLICATION) or {}, key_figures, tenant_totals)
        + _attachment_problems(attachments, required_attachments)
        + _threshold_problems(key_figures, batch_thresholds, thresholds_block)
        + _category_problems(data.get(sections.LEDGER), batch_thresholds, thresholds_block)
    )
    order = {key: i for i, key in enumerate(sections.ORDER)}
    problems.sort(key=lambda p: order.get(p["section"], 99))
    return problems


def _section_problems(data):
    """Each section's own rules, now with every required field."""
    problems = []
    application = data.get(sections.APPLICATION) or {}
    _clean, errors = sections.validate(sections.APPLICATION, application, require_all=True)
    for key, message in errors.items():
        problems.append(problem(sections.APPLICATION, message, field=key,
                                label=_field_label(sections.APPLICATION, key)))
    for key in sections.LIST_SECTIONS:
        rows = data.get(key) or []
        if not rows:
            problems.append(problem(key, f"请至少填写一条{_label(key)}"))
        for index, row in enumerate(rows, start=1):
            _clean, errors = sections.validate(key, row)
            for field, message in errors.items():
                problems.append(problem(key, message, field=field, row=row.get("id"),
                                        label=_field_label(key, field), row_number=index))
    return problems


def _count_problems(application, key_figures, tenant_totals):
    """Counts of 申请表 against the lists and the tenant entries."""
    problems = []
    if tenant_totals is not None and not key_figures["tenant_count"]:
        problems.append(problem(sections.TENANTS, "尚无入驻企业填报，请在“入驻企业”中用二维码邀请入驻企业填写"))
    pairs = (
        ("tenant_count", key_figures["tenant_count"], sections.TENANTS, "入驻企业中已填报的企业数"),
        ("small_micro_count", key_figures["small_micro_count"], sections.TENANTS, "入驻企业中已填报的小型、微型企业数"),
        ("tenant_employees", key_figures["employees"], sections.TENANTS, "入驻企业填报的从业人员合计"),
        ("service_staff", key_figures["service_staff"], sections.PERSONNEL, "主要人员中专职的专职服务人员和创业辅导师人数"),
        ("mentors", key_figures["mentors"], sections.PERSONNEL, "主要人员中专职的创业辅导师人数"),
        ("partner_count", key_figures["partners"], sections.PARTNERS, "合作服务机构的条数"),
    )
    for key, actual, source, what in pairs:
        if source == sections.TENANTS and tenant_totals is None:
            continue
        stated = application.get(key)
        if isinstance(stated, int) and stated != actual:
            problems.append(problem(
                sections.APPLICATION, f"填写为{stated}，与{what}（{actual}）不一致", field=key,
                label=_field_label(sections.APPLICATION, key),
            ))
    return problems


def _attachment_problems(attachments, required_attachments):
    """Required attachments (configuration of the batch)."""
    have = {a["category"] for a in attachments}
    return [
        problem(sections.ATTACHMENTS, f"请上传“{category}”", field=category, label=category, named=True)
        for category in required_attachments or () if category not in have
    ]


THRESHOLD_PLACES = {  # where a threshold's problem is shown: (section, field)
    "min_years": (sections.APPLICATION, "founded_on"), "min_small_micro": (sections.TENANTS, None),
    "min_tenant_employees": (sections.TENANTS, None), "min_service_staff": (sections.PERSONNEL, None),
    "min_mentors": (sections.PERSONNEL, None), "min_partners": (sections.PARTNERS, None),
    "min_free_share": (sections.LEDGER, None), "min_categories": (sections.LEDGER, None),
}


def _threshold_problems(key_figures, batch_thresholds, thresholds_block):
    """The batch's thresholds, as warnings or blocking as the batch says."""
    problems = []
    values = threshold_values(key_figures)
    for key, label, unit in THRESHOLDS:
        minimum = (batch_thresholds or {}).get(key)
        if minimum in (None, ""):
            continue
        if values[key] < minimum:
            section, field = THRESHOLD_PLACES[key]
            problems.append(problem(
                section, f"{label}为{values[key]}{unit}，低于本批次要求的{minimum}{unit}",
                field=field, blocking=bool(thresholds_block), label=field and _field_label(section, field),
            ))
    return problems


def _category_problems(ledger, batch_thresholds, thresholds_block):
    """The batch's thresholds of each service category of the 服务台账."""
    problems = []
    per_category = category_figures(ledger)
    for key, category, measure, label, unit in CATEGORY_THRESHOLDS:
        minimum = (batch_thresholds or {}).get(key)
        if minimum in (None, ""):
            continue
        actual = per_category[category][measure]
        if actual < minimum:
            problems.append(problem(
                sections.LEDGER, f"{category}的{label}为{actual}{unit}，低于本批次要求的{minimum}{unit}",
                blocking=bool(thresholds_block),
            ))
    return problems


def blocking(problems):
    return [p for p in problems if p["blocking"]]


def _label(key):
    from services.common import contracts

    return contracts.SECTIONS[key]


# --- the account's own record (accounts holds it) ---------------------------------


def normalised(value):
    """For comparing what was typed with the account's record: full-width
    characters as half-width (NFKC), case ignored, spaces dropped."""
    import unicodedata

    text = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(text.split()).upper()


def account_problems(app, account):
    """The 申请表's 统一社会信用代码 and 运营主体 must be the registered
    enterprise's, as accounts holds them (an empty field is only 必填)."""
    problems = []
    if not account:
        return problems
    credit_code = app.get("credit_code")
    if credit_code and normalised(credit_code) != normalised(account.get("credit_code")):
        problems.append(problem(
            sections.APPLICATION, f"须与注册账号的一致（{account.get('credit_code')}）", "credit_code",
            label=_field_label(sections.APPLICATION, "credit_code"),
        ))
    operator = app.get("operator_name")
    if operator and normalised(operator) != normalised(account.get("name")):
        problems.append(problem(
            sections.APPLICATION, f"须为注册账号的企业（{account.get('name')}）", "operator_name",
            label=_field_label(sections.APPLICATION, "operator_name"),
        ))
    return problems
