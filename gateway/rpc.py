"""The gateway's RPC client.

Each thread has one connection to the broker with one channel, opened on
first use and reused across requests: it publishes the requests and consumes
the replies from a reply queue of its own (exclusive: it goes with the
connection). A call is one publish and one wait, nothing else:

- the request is published transient and without publisher confirms (the
  caller waits for the reply anyway, and the reply is the confirmation); it
  is published `mandatory`, so a request no service queue takes comes back
  on the same channel and fails at once as an unknown service;
- replies are consumed without acknowledgements; a reply that arrives after
  its caller gave up is dropped;
- each call carries the signed principal of the request in its context data
  (nameko's `nameko.<key>` headers) and waits at most the given timeout.

A timeout or a broker fault becomes `ServiceUnavailable`, and a connection
that timed out or broke is closed (its reply queue, and any late reply in
it, with it) and opened again on the next call. A request is lost with a
broker that goes away, exactly as a reply is: the caller sees a timeout.
The services answer as nameko does (services/common/entrypoints.py).
"""
import logging
import socket
import threading
import time
import uuid

from amqp.exceptions import AMQPError
from kombu import Connection, Consumer, Producer, Queue
from kombu.exceptions import OperationalError
from nameko import serialization
from nameko.constants import AMQP_SSL_CONFIG_KEY, AMQP_URI_CONFIG_KEY, LOGIN_METHOD_CONFIG_KEY, NON_PERSISTENT
from nameko.exceptions import RpcTimeout, UnknownService, deserialize
from nameko.rpc import get_rpc_exchange

from services.common import config as cfg
from services.common import contracts as c
from services.common import principal as principals

log = logging.getLogger(__name__)

# The first entry of the call id stack a call carries (see
# services.common.worker_context.correlation_id, which skips it).
CALL_ID_PREFIX = "standalone_rpc_proxy.call."
REPLY_QUEUE_PREFIX = "rpc.reply-gateway-"


class ServiceUnavailable(Exception):
    """A service did not answer in time, or the broker is unreachable."""

    def __init__(self, service, reason):
        super().__init__(f"{service}: {reason}")
        self.service = service


BROKEN = (socket.error, IOError, OSError, AMQPError, OperationalError, RuntimeError)


class Channel:
    """One thread's connection: publishes requests, consumes their replies."""

    def __init__(self, config):
        self.serializer, accept = serialization.setup(config)
        self.connection = Connection(
            config[AMQP_URI_CONFIG_KEY], ssl=config.get(AMQP_SSL_CONFIG_KEY),
            login_method=config.get(LOGIN_METHOD_CONFIG_KEY),
        )
        self.call_id_stack = [CALL_ID_PREFIX + str(uuid.uuid4())]
        self.waiting = None  # the correlation id of the call under way
        self.answer = None  # (body, None) or (None, exception) for `waiting`
        try:
            channel = self.connection.channel()
            exchange = get_rpc_exchange(config)
            self.reply_to = str(uuid.uuid4())
            self.queue = Queue(
                REPLY_QUEUE_PREFIX + self.reply_to, exchange=exchange, routing_key=self.reply_to,
                durable=False, exclusive=True, auto_delete=True,
            )(channel)
            self.queue.declare()
            self.consumer = Consumer(channel, queues=[self.queue], accept=accept, no_ack=True,
                                     callbacks=[self._on_reply])
            self.consumer.consume()
            self.producer = Producer(channel, exchange=exchange, serializer=self.serializer,
                                     on_return=self._on_return)
        except BaseException:
            self.close()
            raise

    def _on_reply(self, body, message):
        if message.properties.get("correlation_id") == self.waiting:
            self.answer = (body, None)

    def _on_return(self, exc, exchange, routing_key, message):
        if message.properties.get("correlation_id") == self.waiting:
            self.answer = (None, UnknownService(routing_key.split(".", 1)[0]))

    def call(self, service, method, args, kwargs, context_data, timeout):
        """The result of `service.method(*args, **kwargs)`; raises what the
        service raised, UnknownService, RpcTimeout, or a broker error."""
        correlation_id = str(uuid.uuid4())
        headers = {f"nameko.{key}": value for key, value in context_data.items() if value is not None}
        headers["nameko.call_id_stack"] = self.call_id_stack
        self.waiting, self.answer = correlation_id, None
        try:
            self.producer.publish(
                {"args": args, "kwargs": kwargs}, routing_key=f"{service}.{method}",
                reply_to=self.reply_to, correlation_id=correlation_id, headers=headers,
                delivery_mode=NON_PERSISTENT, mandatory=True, retry=False,
            )
            body = self._wait(timeout)
        finally:
            self.waiting = None
        if body.get("error"):
            raise deserialize(body["error"])
        return body.get("result")

    def _wait(self, timeout):
        deadline = time.monotonic() + timeout
        while self.answer is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RpcTimeout(timeout)
            try:
                self.connection.drain_events(timeout=remaining)
            except socket.timeout:
                raise RpcTimeout(timeout) from None
        body, error = self.answer
        if error is not None:
            raise error
        return body

    def close(self):
        try:  # closing the connection deletes its exclusive reply queue
            self.connection.close()
        except Exception:  # already broken; nothing more to release
            pass


class RpcClient:
    def __init__(self, config=None, timeout=None):
        self.config = config or {}
        self.timeout = timeout if timeout is not None else cfg.rpc_timeout(self.config)
        self._nameko_config = cfg.nameko_config(self.config)
        self._local = threading.local()
        self._all = []
        self._lock = threading.Lock()

    def _channel(self):
        channel = getattr(self._local, "channel", None)
        if channel is None:
            channel = Channel(self._nameko_config)
            self._local.channel = channel
            with self._lock:
                self._all.append(channel)
        return channel

    def _discard(self):
        channel = getattr(self._local, "channel", None)
        self._local.channel = None
        if channel is not None:
            with self._lock:
                if channel in self._all:
                    self._all.remove(channel)
            channel.close()

    def call(self, service, method, *args, principal=None, timeout=None, **kwargs):
        if principal is not None and principal.kind not in c.USER_KINDS:
            # Users only: `system` principals are the services' own (their key is not the gateway's).
            raise ValueError(f"the gateway signs user principals only, not {principal.kind!r}")
        data = self.context_data()
        if principal is not None:
            data[c.PRINCIPAL_CONTEXT_KEY] = principals.sign(principal, self.config)
        try:
            channel = self._channel()
        except BROKEN as exc:
            raise ServiceUnavailable(service, f"broker unreachable: {exc}") from exc
        try:
            return channel.call(service, method, args, kwargs, data, timeout or self.timeout)
        except RpcTimeout as exc:
            # The late reply must not wait in the queue for the next call of
            # this thread: the connection goes, and its reply queue with it.
            self._discard()
            raise ServiceUnavailable(service, "timed out") from exc
        except UnknownService as exc:
            raise ServiceUnavailable(service, "unknown service") from exc
        except BROKEN as exc:
            log.warning("RPC connection broke (%s); opening a new one", exc)
            self._discard()
            raise ServiceUnavailable(service, f"connection lost: {exc}") from exc

    def context_data(self):
        """Context data every call carries besides the principal (a subclass
        adds the request's correlation id)."""
        return {}

    def close(self):
        with self._lock:
            channels, self._all = self._all, []
        for channel in channels:
            channel.close()
