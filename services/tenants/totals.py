"""The roll-up of a declaration's tenant entries (入驻企业汇总)."""
from decimal import Decimal

from sqlalchemy import select

from services.tenants import access, steps
from services.tenants.models import EXCLUDED, REOPENED, SUBMITTED, TenantEntry


def _dec(value):
    try:
        return Decimal(str(value))
    except Exception:
        return Decimal("0")


def totals(session, principal, declaration_id):
    access.readable_link(session, principal, declaration_id)
    return compute_totals(session, declaration_id)


def compute_totals(session, declaration_id):
    """Roll-up of the entries that count (submitted, or reopened for
    correction); excluded entries are left out."""
    rows = session.execute(
        select(TenantEntry.state, TenantEntry.size, TenantEntry.data).where(
            TenantEntry.declaration_id == str(declaration_id)
        )
    ).all()
    counted = [row for row in rows if row.state in (SUBMITTED, REOPENED)]
    small = [row for row in counted if row.size in steps.SMALL_MICRO]

    def ops(row, key):
        return (row.data or {}).get("operations", {}).get(key)

    def int_sum(items, key):
        return sum(int(ops(row, key) or 0) for row in items)

    def dec_sum(items, key):
        return f"{sum((_dec(ops(row, key) or 0) for row in items), Decimal('0')):.2f}"

    count = len(counted)
    area = sum((_dec((row.data or {}).get("base", {}).get("leased_area") or 0) for row in counted), Decimal("0"))
    return {
        "count": count,
        "small_micro_count": len(small),
        "small_micro_share": round(len(small) / count, 4) if count else 0.0,
        "employees": int_sum(counted, "employees"),
        "small_micro_employees": int_sum(small, "employees"),
        "revenue": dec_sum(counted, "revenue"),
        "tax": dec_sum(counted, "tax"),
        "rd_expense": dec_sum(counted, "rd_expense"),
        "financing": dec_sum(counted, "financing"),
        "patents": int_sum(counted, "patents"),
        "software_copyrights": int_sum(counted, "software_copyrights"),
        "leased_area": f"{area:.2f}",
        "pending_correction_count": sum(1 for row in counted if row.state == REOPENED),
        "excluded_count": sum(1 for row in rows if row.state == EXCLUDED),
    }
