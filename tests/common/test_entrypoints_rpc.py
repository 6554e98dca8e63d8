"""How a service answers an RPC (services.common.entrypoints): the reply
nameko's callers expect (result or error, the request's correlation id, the
request's encoding), published transient — the caller is waiting for it —
and a service's own calls to another service, refused at once when no
service takes them."""
import socket
import uuid

import pytest
from kombu import Connection, Consumer, Exchange, Producer, Queue
from nameko.exceptions import UnknownService
from nameko.testing.services import entrypoint_hook

from services.common.entrypoints import ServiceRpc, rpc


class AnswerService:
    name = "answers"

    @rpc(public=True)
    def double(self, value):
        return value * 2

    @rpc(public=True)
    def refuse(self):
        raise ValueError("不行")

    @rpc(public=True)
    def unserialisable(self):
        return object()


def raw_call(amqp_uri, method, *args, wait=10, no_reply_ok=False):
    """One request as nameko's proxies publish it; the reply's body and
    properties as they arrive (None when `no_reply_ok` and none came within
    `wait` seconds)."""
    exchange = Exchange("nameko-rpc", type="topic", durable=True)
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        reply_to = str(uuid.uuid4())
        queue = Queue(f"rpc.reply-test-{reply_to}", exchange=exchange, routing_key=reply_to,
                      exclusive=True, auto_delete=True, durable=False)(channel)
        queue.declare()
        replies = []
        consumer = Consumer(channel, queues=[queue], accept=["json"],
                            callbacks=[lambda body, message: (message.ack(), replies.append((body, message)))])
        consumer.consume()
        correlation_id = str(uuid.uuid4())
        Producer(channel, exchange=exchange, serializer="json").publish(
            {"args": list(args), "kwargs": {}}, routing_key=f"answers.{method}",
            reply_to=reply_to, correlation_id=correlation_id,
        )
        while not replies:
            try:
                conn.drain_events(timeout=wait)
            except socket.timeout:
                if no_reply_ok:
                    return None
                pytest.fail(f"no reply within {wait} s")
        body, message = replies[0]
        return body, message.properties, message.delivery_info, correlation_id


def test_a_reply_carries_the_result_and_is_transient(container_factory, config):
    container_factory(AnswerService, config).start()
    body, properties, _info, correlation_id = raw_call(config["AMQP_URI"], "double", 21)
    assert body == {"result": 42, "error": None}
    assert properties["correlation_id"] == correlation_id
    assert properties["content_type"] == "application/json"
    assert properties["delivery_mode"] == 1  # the caller waits for it: nothing to keep on disk


def test_a_reply_carries_the_error_and_an_unserialisable_result_is_refused(container_factory, config):
    container_factory(AnswerService, config).start()
    body, *_ = raw_call(config["AMQP_URI"], "refuse")
    assert body["result"] is None
    assert body["error"]["exc_type"] == "ValueError" and body["error"]["value"] == "不行"
    body, *_ = raw_call(config["AMQP_URI"], "unserialisable")
    assert body["result"] is None
    assert body["error"]["exc_type"] == "UnserializableValueError"
    # The service answers on.
    body, *_ = raw_call(config["AMQP_URI"], "double", 2)
    assert body == {"result": 4, "error": None}


class CallerService:
    name = "callers"

    answers = ServiceRpc("answers", timeout=600)
    nobody = ServiceRpc("nobody_listens_here", timeout=600)

    @rpc(public=True)
    def ask(self, value):
        return self.answers.double(value)

    @rpc(public=True)
    def ask_nobody(self):
        return self.nobody.anything()


def test_a_service_calls_another_and_an_unknown_one_is_refused_at_once(container_factory, config):
    container_factory(AnswerService, config).start()
    callers = container_factory(CallerService, config)
    callers.start()
    with entrypoint_hook(callers, "ask") as ask:
        assert ask(5) == 10
    # Not a wait for the (long) timeout: the request comes back unrouted.
    with entrypoint_hook(callers, "ask_nobody") as ask_nobody:
        with pytest.raises(UnknownService):
            ask_nobody()


def test_a_reply_the_broker_cannot_take_does_not_stop_the_service(container_factory, config, monkeypatch):
    """The broker went away between the request and its reply: the caller
    gets no answer (it times out and may try again), but the service keeps
    running and answers the next call."""
    from kombu.exceptions import OperationalError

    from services.common.entrypoints import ReplyingRpcConsumer

    container = container_factory(AnswerService, config)
    container.start()

    def broker_gone(self, message, body, content_type, encoding):
        raise OperationalError("[Errno 111] ECONNREFUSED")

    with monkeypatch.context() as patched:
        patched.setattr(ReplyingRpcConsumer, "publish_reply", broker_gone)
        assert raw_call(config["AMQP_URI"], "double", 2, wait=2, no_reply_ok=True) is None
    body, _properties, _info, _cid = raw_call(config["AMQP_URI"], "double", 21)
    assert body["result"] == 42
    assert not container._died.ready()
