"""The gateway's RPC client: one proxy per thread reused across calls, the
principal signed into every call, and calls work again after the broker
dropped the client's connection."""
import threading

import eventlet
import pytest

from gateway.rpc import RpcClient, ServiceUnavailable
from services.common import contracts as c
from services.common.entrypoints import Caller, rpc
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


@pytest.fixture
def client(config):
    client = RpcClient(config, timeout=5)
    yield client
    client.close()


def test_calls_carry_the_principal_and_reuse_the_thread_proxy(container_factory, config, client):
    container_factory(WhoService, config).start()
    alice = Principal(kind=c.ENTERPRISE, id="e-1", region_code="320102")
    assert client.call("who", "whoami", principal=alice) == {"kind": c.ENTERPRISE, "id": "e-1"}
    first = client._local.pair
    assert client.call("who", "ping") == "pong"
    assert client._local.pair is first
    # Without a principal a protected RPC is refused.
    from services.common.errors import Unauthenticated

    with pytest.raises(Unauthenticated):
        client.call("who", "whoami")


def test_each_thread_has_its_own_proxy(container_factory, config, client):
    container_factory(WhoService, config).start()
    pairs = []

    def work():
        client.call("who", "ping")
        pairs.append(client._local.pair)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(p) for p in pairs}) == 3


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
    def wait(self, seconds):
        eventlet.sleep(seconds)
        return "answered"


def test_a_timeout_recycles_the_proxy_so_channels_and_late_replies_stay_bounded(
    container_factory, config, client, rabbit_manager
):
    container_factory(SlowService, config).start()
    for _ in range(3):
        with pytest.raises(ServiceUnavailable):
            client.call("slow", "wait", 0.8, timeout=0.2)
    eventlet.sleep(1.0)  # the three late replies have been published by now
    assert client.call("slow", "wait", 0) == "answered"

    standalone, _proxy = client._local.pair
    consumer = standalone._reply_listener.queue_consumer
    assert consumer.replies == {}  # no late reply kept (unacknowledged) in the live proxy
    assert len(consumer.connection.connection.channels) <= 2  # the connection's own and the reply consumer's
    assert client._all == [standalone]  # the timed-out proxies were stopped
    reply_queues = [q["name"] for q in rabbit_manager.get_queues(config["vhost"])
                    if q["name"].startswith("rpc.reply-standalone_rpc_proxy")]
    assert len(reply_queues) == 1  # their exclusive reply queues went with their connections
