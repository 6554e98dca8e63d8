"""消息队列异常: a message the review service could not handle is parked and
listed for admins, who can have it handled again."""
import time

import eventlet
import pytest
from kombu import Connection

from gateway.rpc import RpcClient
from services.accounts.service import AccountsService
from services.common import contracts as c
from services.common.outbox import event_exchange
from services.common.principal import Principal
from services.review.service import ReviewService
from tests.accounts.helpers import create_staff, login_staff, post


@pytest.fixture
def system(runner_factory, config):
    runner = runner_factory(config, AccountsService, ReviewService)
    runner.start()
    create_staff(config, "admin")
    create_staff(config, "xuanwu", kind=c.REVIEWER, level=c.COUNTY, region="320102")
    return runner


def park_a_malformed_message(config):
    exchange = event_exchange(c.DECLARATIONS)
    with Connection(config["AMQP_URI"]) as conn:
        producer = conn.Producer(serializer="json")
        producer.publish({"not": "an envelope"}, exchange=exchange, routing_key=c.DECLARATION_SUBMITTED,
                         declare=[exchange])
    client = RpcClient(config)
    try:
        deadline = time.monotonic() + 20
        while True:
            parked = client.call(c.REVIEW, "list_parked", principal=Principal(kind=c.ADMIN, id="t"))
            if parked or time.monotonic() > deadline:
                return parked
            eventlet.sleep(0.1)
    finally:
        client.close()


def test_admins_see_and_replay_parked_messages(system, config, app):
    [message] = park_a_malformed_message(config)
    admin = app.test_client()
    login_staff(admin, "admin")
    html = admin.get("/console/parked").get_data(as_text=True)
    assert "审核服务" in html and c.event_queue(c.DECLARATIONS, c.DECLARATION_SUBMITTED, c.REVIEW) in html
    assert "malformed envelope" in html
    # declarations, tenants and notify are not running: said so, not a crash.
    assert "该服务暂时无法访问" in html

    replayed = post(admin, f"/console/parked/{c.REVIEW}/{message['id']}/replay")
    assert replayed.status_code == 302
    assert "已重新处理该条消息" in admin.get("/console/parked").get_data(as_text=True)
    missing = post(admin, f"/console/parked/{c.REVIEW}/no-such-id/replay")
    assert missing.status_code == 302

    reviewer = app.test_client()
    login_staff(reviewer, "xuanwu")
    assert reviewer.get("/console/parked").status_code == 403
