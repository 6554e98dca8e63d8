"""The gateway's RPC client: one connection per thread reused across calls,
the principal signed into every call, an unknown service refused at once,
a timeout that leaves no late reply behind, and calls that work again after
the broker dropped the client's connection."""
import threading

import eventlet
import pytest
from nameko.extensions import DependencyProvider

from gateway.rpc import REPLY_QUEUE_PREFIX, RpcClient, ServiceUnavailable
from services.common import contracts as c
from services.common.entrypoints import Caller, rpc
from services.common.worker_context import correlation_id
from services.common.errors import Unauthenticated
from services.common.principal import Principal


class WhoService:
    name = "who"
    caller = Caller()

    @rpc
    def whoami(self):
        return {"kind": self.caller.kind, "id": self.caller.id}

    @rpc(public=True)
    def ping(self):
        return "pong"

    @rpc(public=True)
    def echo(self, *args, **kwargs):
        return {"args": list(args), "kwargs": kwargs}


@pytest.fixture
def client(config):
    client = RpcClient(config, timeout=5)
    yield client
    client.close()


def reply_queues(rabbit_manager, vhost):
    return [q["name"] for q in rabbit_manager.get_queues(vhost) if q["name"].startswith(REPLY_QUEUE_PREFIX)]


def test_calls_carry_the_principal_and_reuse_the_thread_connection(container_factory, config, client):
    container_factory(WhoService, config).start()
    alice = Principal(kind=c.ENTERPRISE, id="e-1", region_code="320102")
    assert client.call("who", "whoami", principal=alice) == {"kind": c.ENTERPRISE, "id": "e-1"}
    first = client._local.channel
    assert client.call("who", "ping") == "pong"
    assert client.call("who", "echo", 1, "二", flag=True) == {"args": [1, "二"], "kwargs": {"flag": True}}
    assert client._local.channel is first
    # Without a principal a protected RPC is refused.
    with pytest.raises(Unauthenticated):
        client.call("who", "whoami")


def test_each_thread_has_its_own_connection(container_factory, config, client):
    container_factory(WhoService, config).start()
    channels = []

    def work():
        client.call("who", "ping")
        channels.append(client._local.channel)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(ch) for ch in channels}) == 3


def test_an_unknown_service_is_refused_without_waiting_for_the_timeout(config, client):
    client.timeout = 600  # a wait for the timeout would hang the test, not pass it
    with pytest.raises(ServiceUnavailable, match="unknown service"):
        client.call("nobody_listens_here", "ping")


def test_a_broken_connection_is_rebuilt(container_factory, config, client, rabbit_manager):
    container_factory(WhoService, config).start()
    assert client.call("who", "ping") == "pong"
    # The broker drops every connection of the client's vhost (the service's too).
    for conn in rabbit_manager.get_connections():
        if conn["vhost"] == config["vhost"]:
            rabbit_manager.delete_connection(conn["name"])
    answers = []
    for _ in range(20):
        try:
            answers.append(client.call("who", "ping", timeout=2))
            break
        except ServiceUnavailable:
            eventlet.sleep(0.5)
    assert answers == ["pong"]


class SlowService:
    name = "slow"

    @rpc(public=True)
    def wait(self, seconds, answer="answered"):
        eventlet.sleep(seconds)
        return answer


def test_a_timeout_leaves_no_late_reply_and_no_queue_behind(container_factory, config, client, rabbit_manager):
    container_factory(SlowService, config).start()
    for n in range(3):
        with pytest.raises(ServiceUnavailable, match="timed out"):
            client.call("slow", "wait", 0.8, f"late {n}", timeout=0.2)
    # The next calls get their own answers, never a late one.
    assert client.call("slow", "wait", 0, "first") == "first"
    eventlet.sleep(1.0)  # the three late replies have been published by now
    assert client.call("slow", "wait", 0, "second") == "second"
    assert client._all == [client._local.channel]  # the timed-out connections were closed
    # Their exclusive reply queues went with them.
    assert len(reply_queues(rabbit_manager, config["vhost"])) == 1


class Correlated(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return correlation_id(worker_ctx)


class TracedService:
    name = "traced"
    correlation = Correlated()

    @rpc(public=True)
    def look(self):
        return self.correlation


class CorrelatedClient(RpcClient):
    def context_data(self):
        return {c.CORRELATION_CONTEXT_KEY: "req-1234"}


def test_services_read_the_request_correlation_id_and_skip_the_gateway_call_id(container_factory, config):
    container_factory(TracedService, config).start()
    plain, correlated = RpcClient(config, timeout=5), CorrelatedClient(config, timeout=5)
    try:
        assert correlated.call("traced", "look") == "req-1234"
        # Without one, the first call a service served names the request, not the gateway's call id.
        assert plain.call("traced", "look").startswith("traced.look.")
    finally:
        plain.close()
        correlated.close()
