"""Shared by the tenants tests: principals, a complete entry, a tenant client."""
import datetime as dt
import secrets

from nameko.standalone.rpc import ServiceRpcProxy

from services.common import contracts as c
from services.common import principal as principals
from services.tenants import steps
from tests.support.identifiers import credit_code

OWNER = principals.Principal(kind=c.ENTERPRISE, id="ent-owner", region_code="320102")
OTHER = principals.Principal(kind=c.ENTERPRISE, id="ent-other", region_code="320102")
REVIEWER = principals.Principal(kind=c.REVIEWER, id="rev-1", region_code="320102", level=c.COUNTY)
ADMIN = principals.Principal(kind=c.ADMIN, id="adm-1")
BASE_NAME = "南京玄武创业园"
DECL = "decl-0001"  # the declaration the tests' QR link (the `token` fixture) is for
CLOSES = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)).isoformat()


def wait_until(check, tries=200):
    import eventlet

    for _ in range(tries):
        if check():
            return True
        eventlet.sleep(0.05)
    return False


def entry_data(code=None, size="小型", employees=35, revenue="1234.50", name="南京示例科技有限公司"):
    return {
        "base": {"move_in_date": "2023-03-01", "leased_area": "120.5"},
        "basic": {
            "company_name": name,
            "credit_code": code or credit_code(),
            "founded_on": "2021-06-18",
            "size": size,
            "industry": steps.INDUSTRIES[8],
            "contact_name": "王芳",
            "contact_mobile": "13912345678",
        },
        "operations": {
            "employees": str(employees),
            "revenue": revenue,
            "tax": "56.7",
            "rd_expense": "80",
            "patents": "3",
            "software_copyrights": "5",
            "financing": "0",
            "qualifications": ["专精特新"],
        },
    }


def proxy(config, principal=None):
    """A tenants RPC proxy calling as `principal` (anonymous when None)."""
    context = {}
    if principal is not None:
        context[c.PRINCIPAL_CONTEXT_KEY] = principals.sign(principal, config)
    return ServiceRpcProxy(c.TENANTS, config, context_data=context)


def new_device():
    return secrets.token_urlsafe(18)


def fill(tenants, token, device, data):
    """Save every step of `data` from `device` (a started tenants proxy)."""
    for key in steps.STEP_KEYS:
        tenants.save_intake_step(token, key, data[key], device)


def publish_declaration(config, declaration_id, sequence, state=c.DRAFT, owner=OWNER, region="320102",
                        version=0, event_type=c.DECLARATION_CHANGED, event_id=None):
    """Tell tenants of a declaration as declarations' outbox does (its copy:
    owner, region, state, version, by declarations' sequence)."""
    from services.common import outbox

    body = outbox.envelope(
        {"declaration_id": declaration_id, "enterprise_id": owner.id, "region_code": region, "version": version},
        event_type=event_type, event_id=event_id, cause=owner, sequence=sequence, state=state,
    )
    outbox.publish_one(outbox.publisher(config), c.DECLARATIONS, event_type, body)
    return body


def wait_for_copy(config, declaration_id, sequence, tries=400):
    """Until tenants holds `sequence` (or a newer one) of the declaration."""
    import eventlet
    from sqlalchemy import text

    from services.common.db import make_engine

    engine = make_engine(c.TENANTS, config)
    try:
        for _ in range(tries):
            with engine.connect() as conn:
                held = conn.execute(
                    text("SELECT sequence FROM intake_links WHERE declaration_id = :d"), {"d": declaration_id}
                ).scalar()
            if held is not None and held >= sequence:
                return
            eventlet.sleep(0.05)
    finally:
        engine.dispose()
    raise AssertionError(f"tenants never held sequence {sequence} of {declaration_id}")


def started(config, declaration_id, owner=OWNER, region="320102"):
    """A declaration started by `owner`, known to tenants."""
    publish_declaration(config, declaration_id, 1, owner=owner, region=region, event_type=c.DECLARATION_STARTED)
    wait_for_copy(config, declaration_id, 1)
