"""The review service on the real RabbitMQ and PostgreSQL: cases opened by
`declaration_submitted` from the bus, scope enforced on every RPC from the
signed principal, events of the actions published, and two reviewers acting
at once: exactly one succeeds."""
import eventlet
import pytest
from sqlalchemy import text

from services.common import contracts as c
from services.common.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from services.review.service import ReviewService
from tests.review.support import city, county, submitted
from tests.support.events import listen_events
from tests.review.fixtures import client_call, deliver, review  # noqa: F401


def test_a_submitted_declaration_reaches_the_inbox_and_scope_is_enforced(review, config):
    container, client = review
    data = submitted(region="320102")
    deliver(container, config, data)
    did = data["declaration_id"]

    inbox = client.call(c.REVIEW, "list_cases", {"tab": "todo"}, principal=county("320102"))
    assert [i["declaration_id"] for i in inbox["items"]] == [did]
    with pytest.raises(NotFound):
        client.call(c.REVIEW, "get_case", did, principal=county("320104"))
    assert client.call(c.REVIEW, "list_cases", {"tab": "all"}, principal=county("320104"))["total"] == 0
    with pytest.raises(Unauthenticated):
        client.call(c.REVIEW, "get_case", did)  # no principal at all


def test_approve_publishes_declaration_advanced_once_per_idempotency_key(review, config):
    container, client = review
    data = submitted(region="320102")
    deliver(container, config, data)
    did = data["declaration_id"]
    rev = client.call(c.REVIEW, "get_case", did, principal=county())["revision"]

    with pytest.raises(ValidationFailed):
        client.call(c.REVIEW, "return_for_changes", did, rev, "", principal=county())
    with listen_events(config["AMQP_URI"], c.REVIEW, c.DECLARATION_ADVANCED) as events:
        first = client.call(c.REVIEW, "approve", did, rev, "同意", idempotency_key="k1", principal=county())
        again = client.call(c.REVIEW, "approve", did, rev, "同意", idempotency_key="k1", principal=county())
        [event] = events.wait(1)
        assert len(events.drain()) == 1
    assert first == again and first["action_label"] == "通过"
    assert event["data"] == {"declaration_id": did, "level": c.CITY, "version": 1, "from_state": c.PENDING_COUNTY}
    assert (event["sequence"], event["state"]) == (rev + 1, c.PENDING_CITY)
    assert event["caused_by"] == {"kind": c.REVIEWER, "id": county().id}
    case = client.call(c.REVIEW, "get_case", did, principal=city())
    assert case["state"] == c.PENDING_CITY
    assert [h["action"] for h in case["history"]] == ["submitted", "advance"]


def test_two_reviewers_acting_at_once_exactly_one_succeeds(review, config, db_engine):
    """Both actions read the case, then wait on a lock this test holds on its
    row; once released, one UPDATE moves the case and the other finds it
    moved."""
    container, client = review
    data = submitted(region="320102")
    deliver(container, config, data)
    did = data["declaration_id"]
    rev = client.call(c.REVIEW, "get_case", did, principal=county())["revision"]
    engine = db_engine(c.REVIEW)

    with engine.connect() as holder:
        holder.execute(text("SELECT 1 FROM review_cases WHERE declaration_id = :d FOR UPDATE"), {"d": did})
        pool = eventlet.GreenPool()
        approve = pool.spawn(
            lambda: client_call(config, "approve", did, rev, "同意", principal=county(id="alice")))
        reject = pool.spawn(
            lambda: client_call(config, "reject", did, rev, "材料不实", principal=county(id="bob")))
        with engine.connect() as watcher:
            waiting = 0
            for _ in range(400):
                waiting = watcher.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = :app "
                    "AND wait_event_type = 'Lock' AND query LIKE 'UPDATE review_cases%'"),
                    {"app": c.REVIEW}).scalar()
                watcher.rollback()
                if waiting == 2:
                    break
                eventlet.sleep(0.05)
        assert waiting == 2, "both actions should wait on the row lock"
        holder.rollback()
        outcomes = [approve.wait(), reject.wait()]

    succeeded = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(succeeded) == 1 and len(refused) == 1
    assert isinstance(refused[0], Conflict) and "请刷新页面" in refused[0].message
    case = client.call(c.REVIEW, "get_case", did, principal=county())
    reviewer_actions = [h for h in case["history"] if h["action"] != "submitted"]
    assert len(reviewer_actions) == 1
    assert case["state"] == {"advance": c.PENDING_CITY, "reject": c.REJECTED}[reviewer_actions[0]["action"]]
    with engine.connect() as conn:
        sent = conn.execute(text("SELECT event_type FROM outbox_events")).scalars().all()
    assert len(sent) == 1


def test_the_contracts_name_the_review_rpcs():
    names = [c.REVIEW_LIST_CASES, c.REVIEW_GET_CASE, c.REVIEW_APPROVE, c.REVIEW_RETURN, c.REVIEW_REJECT,
             c.REVIEW_ADMIN_RETURN, c.REVIEW_ADD_NOTE]
    assert all(callable(getattr(ReviewService, name, None)) for name in names)
