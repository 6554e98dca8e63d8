"""入驻企业名单 as submitted, on the real RabbitMQ and PostgreSQL: the tenants
service keeps the roll of each submitted version when it learns of the
submission, the roll stays as it was when intake reopens and entries change,
a return handled before its submission still keeps what was submitted, and
only the owner, admins and reviewers whose office covers the region read it."""
import pytest

from services.common import contracts as c
from services.common import outbox
from services.common.errors import NotFound, Unauthenticated
from services.common.principal import Principal
from tests.tenants.helpers import (
    ADMIN, DECL, OTHER, OWNER, REVIEWER, entry_data, fill, new_device, proxy, publish_declaration, wait_for_copy,
    wait_until,
)


CITY = Principal(kind=c.REVIEWER, id="rev-city", region_code="320100", level=c.CITY)
OTHER_COUNTY = Principal(kind=c.REVIEWER, id="rev-qh", region_code="320104", level=c.COUNTY)
OTHER_CITY = Principal(kind=c.REVIEWER, id="rev-sz", region_code="320500", level=c.CITY)


def publish_returned(config, sequence, version=1):
    """declarations tells tenants the declaration was returned (editable again)."""
    publish_declaration(config, DECL, sequence, state=c.RETURNED, version=version)
    wait_for_copy(config, DECL, sequence)


def publish_submitted(config, version, region="320102", event_id=None):
    exchange = outbox.event_exchange(c.DECLARATIONS)
    body = outbox.envelope(
        {"declaration_id": DECL, "enterprise_id": OWNER.id, "region_code": region, "level": c.COUNTY,
         "version": version, "resubmission": version > 1, "summary": {}},
        event_id=event_id, event_type=c.DECLARATION_SUBMITTED, cause=OWNER, sequence=2, state=c.PENDING_COUNTY,
    )
    outbox.publisher(config).publish(
        body, exchange=exchange, routing_key=c.DECLARATION_SUBMITTED, declare=[exchange]
    )
    return body


def submit_entry(tenant, token, name):
    device = new_device()
    fill(tenant, token, device, entry_data(name=name))
    return tenant.submit_intake(token, device)


def roll_of(config, principal, version=None):
    with proxy(config, principal) as tenants:
        return tenants.submitted_roll(DECL, version)


def test_the_roll_of_a_submitted_version_stays_as_submitted(service, config, owner, tenant, token):
    submit_entry(tenant, token, "南京甲科技有限公司")
    second = submit_entry(tenant, token, "南京乙科技有限公司")
    owner.exclude_entry(DECL, second["entry_id"], "已迁出基地")
    assert owner.submitted_roll(DECL) is None  # nothing submitted yet

    publish_declaration(config, DECL, 2, state=c.PENDING_COUNTY, version=1)  # 提交
    wait_for_copy(config, DECL, 2)
    body = publish_submitted(config, 1)
    assert wait_until(lambda: owner.submitted_roll(DECL) is not None)
    roll = owner.submitted_roll(DECL)
    assert roll["version"] == 1 and roll["totals"]["count"] == 1 and roll["totals"]["excluded_count"] == 1
    names = [(e["company_name"], e["state_label"]) for e in roll["entries"]]
    assert names == [("南京甲科技有限公司", "已提交"), ("南京乙科技有限公司", "已排除")]
    assert roll["entries"][1]["excluded_reason"] == "已迁出基地"
    labels = [item["label"] for step in roll["entries"][0]["answers"] for item in step["items"]]
    assert "统一社会信用代码" in labels and "从业人员" in " ".join(labels)

    # Returned: intake reopens and the entries change; the roll of version 1 does not.
    publish_returned(config, 3)
    assert wait_until(lambda: owner.link_status(DECL)["intake_open"])
    submit_entry(tenant, token, "南京丙科技有限公司")
    publish_submitted(config, 1, event_id=body["event_id"])  # a redelivered copy changes nothing
    assert len(owner.list_entries(DECL)) == 3
    assert roll_of(config, REVIEWER, 1) == roll

    # Who reads it: the owner, admins, reviewers whose office covers 320102.
    for principal in (ADMIN, REVIEWER, CITY):
        assert roll_of(config, principal)["version"] == 1
    for stranger in (OTHER, OTHER_COUNTY, OTHER_CITY):
        with pytest.raises(NotFound):
            roll_of(config, stranger)
    with pytest.raises(Unauthenticated):
        roll_of(config, None)


def test_a_return_handled_before_its_submission_keeps_the_submitted_roll(service, config, owner, tenant, token):
    submit_entry(tenant, token, "南京甲科技有限公司")
    publish_declaration(config, DECL, 2, state=c.PENDING_COUNTY, version=1)  # 提交
    wait_for_copy(config, DECL, 2)
    # After an outage the return of version 1 comes first: the roll is taken
    # before intake reopens, and the late submission names the region.
    publish_returned(config, 3)
    assert wait_until(lambda: owner.link_status(DECL)["intake_open"])
    submit_entry(tenant, token, "南京乙科技有限公司")
    publish_submitted(config, 1)
    assert wait_until(lambda: _readable(config, REVIEWER))
    roll = roll_of(config, REVIEWER)
    assert [e["company_name"] for e in roll["entries"]] == ["南京甲科技有限公司"]


def _readable(config, principal):
    try:
        return roll_of(config, principal) is not None
    except NotFound:
        return False
