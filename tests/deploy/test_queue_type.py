"""EVENT_QUEUE_TYPE: production (compose, k8s) declares the durable event
queues of the contracts as quorum queues; nameko's RPC and reply queues are
left as nameko declares them; the default (classic) works on any RabbitMQ,
this machine's 3.10 included. Run on the real broker, a vhost per test."""
import pytest
from kombu import Connection
from nameko.standalone.rpc import ClusterRpcProxy

from services.common import config as cfg
from services.common import contracts as c
from services.common import queues
from services.common.outbox import envelope, publish_one, publisher
from tests.support import rabbit


def event_queue_names():
    return {c.event_queue(s, e, consumer) for (s, e), consumers in c.EVENTS.items() for consumer in consumers}


def types(rabbit_manager, vhost):
    return {q["name"]: q.get("type", "classic") for q in rabbit_manager.get_queues(vhost)}


def test_production_declares_the_event_queues_quorum_and_leaves_rpc_queues_alone(
        config, rabbit_manager, monkeypatch, container_factory):
    from services.review.service import ReviewService

    monkeypatch.setenv(c.ENV_EVENT_QUEUE_TYPE, "quorum")
    # A vhost whose event queues were never declared (the config fixture
    # declared them classic in its own vhost: use a fresh one).
    vhost, uri = rabbit.create_vhost()
    try:
        with Connection(uri) as conn:
            declared = queues.declare_all(conn)
        assert set(declared) == event_queue_names()
        assert {types(rabbit_manager, vhost)[n] for n in declared} == {"quorum"}

        # A service consuming them (same arguments: no PRECONDITION_FAILED),
        # an event published with its declarations, and an RPC answered.
        service_config = {**config, "AMQP_URI": uri}
        container = container_factory(ReviewService, service_config)
        container.start()
        with Connection(uri) as conn:
            pub = publisher({c.ENV_AMQP_URI: uri})
            event = envelope({"declaration_id": "none"})
            publish_one(pub, c.DECLARATIONS, c.DECLARATION_SUBMITTED, event)
        with ClusterRpcProxy({"AMQP_URI": uri}, timeout=10) as proxy:
            assert getattr(proxy[c.REVIEW], c.RPC_HEALTH)()["ok"]
            found = types(rabbit_manager, vhost)
        others = {name: kind for name, kind in found.items() if name not in event_queue_names()}
        assert f"rpc-{c.REVIEW}" in others and any(n.startswith("rpc.reply-") for n in others), others
        assert set(others.values()) == {"classic"}
    finally:
        rabbit.delete_vhost(vhost)


def test_the_default_declares_them_classic_as_before(config, rabbit_manager, monkeypatch):
    monkeypatch.delenv(c.ENV_EVENT_QUEUE_TYPE, raising=False)
    assert queues.queue_arguments() is None
    with Connection(config["AMQP_URI"]) as conn:
        queues.declare_all(conn)  # again, as every setup run does
    found = types(rabbit_manager, config["vhost"])
    assert {found[n] for n in event_queue_names()} == {"classic"}


def test_an_unknown_queue_type_is_refused(monkeypatch):
    monkeypatch.setenv(c.ENV_EVENT_QUEUE_TYPE, "stream")
    with pytest.raises(cfg.UnsafeConfiguration, match="EVENT_QUEUE_TYPE"):
        queues.queue_arguments()
