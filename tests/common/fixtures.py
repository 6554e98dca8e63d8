"""What the kit's tests share: a fast outbox relay configuration, reading
outbox rows, waiting for a condition, and two services calling each other
with the caller's principal."""
import time

import eventlet
import pytest
from nameko.exceptions import RpcTimeout
from nameko.rpc import RpcProxy
from nameko.rpc import rpc as unchecked_rpc
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import select

from services.common import contracts as c
from services.common.entrypoints import Caller, ServiceRpc, rpc


FAST = {
    c.ENV_OUTBOX_RELAY_INTERVAL: 0.2,
    c.ENV_OUTBOX_RELAY_GRACE: 0.3,
    c.ENV_OUTBOX_RELAY_MAX_BACKOFF: 1,
    c.ENV_EVENT_RETRY_DELAY: 0.2,
    c.ENV_EVENT_RETRY_MAX_DELAY: 5,
    c.ENV_EVENT_MAX_ATTEMPTS: 3,
    c.ENV_EVENT_POLL_INTERVAL: 0.1,
}


def wait_for(predicate, timeout=30, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        eventlet.sleep(0.05)


def rows(engine, table):
    with engine.connect() as conn:
        return conn.execute(select(table)).mappings().all()


def who(principal):
    return None if principal is None else [principal.kind, principal.id, principal.region_code]


class BackService:
    name = "back"
    caller = Caller()

    @rpc
    def whoami(self):
        return who(self.caller)

    @rpc
    def slow(self, seconds):
        eventlet.sleep(seconds)
        return "slept"

    @rpc(public=True)
    def hello(self):
        return who(self.caller)

    @rpc
    def admin_only(self):
        self.caller.require(c.ADMIN)
        return "ok"

    @unchecked_rpc
    def unchecked(self):
        return who(self.caller)


class FrontService:
    name = "front"
    caller = Caller()
    back = RpcProxy("back")  # carries the caller's principal on
    back_as_front = ServiceRpc("back", timeout=0.5)

    @rpc
    def via_back(self):
        return {"front": who(self.caller), "back": self.back.whoami()}

    @rpc
    def as_service(self):
        return self.back_as_front.whoami()

    @rpc
    def too_slow(self):
        try:
            return self.back_as_front.slow(3)
        except RpcTimeout:
            return "timed out"


def context(token):
    return {c.PRINCIPAL_CONTEXT_KEY: token} if token is not None else None


@pytest.fixture
def services(runner_factory, config):
    runner = runner_factory(config, BackService, FrontService)
    runner.start()
    return config


def call(config, service, method, token, *args):
    with ServiceRpcProxy(service, config, context_data=context(token)) as proxy:
        return getattr(proxy, method)(*args)
