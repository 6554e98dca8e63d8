"""Entrypoints and dependencies every service uses.

`rpc` is nameko's RPC entrypoint with two guarantees added:
- the caller's signed principal is verified before any worker runs; a call
  without a valid one is refused (`Unauthenticated`) unless the entrypoint is
  declared `public=True`;
- the worker's database transactions are committed (or rolled back) before
  the reply is sent, so a caller never sees a result that was not saved, and a
  failed commit reaches the caller as an error.

The reply is published transient and without publisher confirms: the caller
waits for it, so a reply the broker loses reaches the caller as a timeout
whatever the broker said, and a confirm (for a persistent message, after the
broker has written it to disk) would only hold the worker, and the
acknowledgement of the request, back. The request is acknowledged after the
reply was handed to the broker, as nameko does.

`Caller` gives the worker the verified principal. `ServiceRpc` calls another
service as this service (its system principal), with a timeout.
"""
import logging
import sys

import eventlet
import kombu.serialization
from kombu import Connection
from kombu.pools import producers
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY, AMQP_URI_CONFIG_KEY, DEFAULT_RETRY_POLICY, DEFAULT_TRANSPORT_OPTIONS,
    LOGIN_METHOD_CONFIG_KEY, NON_PERSISTENT,
)
from nameko.exceptions import RpcTimeout, UnserializableValueError, serialize
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc, RpcConsumer, RpcProxy, ServiceProxy, get_rpc_exchange

from services.common import config as cfg
from services.common import contracts as c
from services.common import principal as principals
from services.common.db import finish_transactions
from services.common.errors import EXPECTED, Unauthenticated
from services.common.worker_context import acting_principal

log = logging.getLogger(__name__)


class ReplyingRpcConsumer(RpcConsumer):
    """nameko's RPC consumer, answering as nameko does (the same body and
    properties; an unserialisable result becomes nameko's
    UnserializableValueError) but transient, unconfirmed and through one
    connection pool made when the service starts (see the module's text)."""

    @property
    def sharing_key(self):
        # One consumer of the service's queue for every RPC entrypoint of the
        # container, nameko's own among them (else each would take the
        # other's calls and refuse them as MethodNotFound).
        return RpcConsumer

    def setup(self):
        super().setup()
        config = self.container.config
        self.reply_exchange = get_rpc_exchange(config)
        self.reply_connection = Connection(
            config[AMQP_URI_CONFIG_KEY], ssl=config.get(AMQP_SSL_CONFIG_KEY),
            login_method=config.get(LOGIN_METHOD_CONFIG_KEY),
            transport_options={**DEFAULT_TRANSPORT_OPTIONS, "confirm_publish": False},
        )

    def handle_result(self, message, result, exc_info):
        result, exc_info = self.reply(message, result, exc_info)
        self.queue_consumer.ack_message(message)  # skipped by nameko when the channel is gone
        return result, exc_info

    def reply(self, message, result, exc_info):
        # Encoded the way the request was, serialised once.
        serializer = kombu.serialization.registry.type_to_name[message.properties["content_type"]]
        error = serialize(exc_info[1]) if exc_info is not None else None
        try:
            content_type, encoding, body = kombu.serialization.dumps({"result": result, "error": error}, serializer)
        except Exception:
            exc_info = sys.exc_info()
            payload = {"result": None, "error": serialize(UnserializableValueError(result))}
            result = None
            content_type, encoding, body = kombu.serialization.dumps(payload, serializer)
        try:
            self.publish_reply(message, body, content_type, encoding)
        except Exception:  # the broker went away: the caller times out; the service must live on
            log.warning("the reply to %s could not be published; the caller will time out",
                        message.delivery_info.get("routing_key"), exc_info=True)
        return result, exc_info

    def publish_reply(self, message, body, content_type, encoding):
        with producers[self.reply_connection].acquire(block=True) as producer:
            producer.publish(
                body, content_type=content_type, content_encoding=encoding,
                exchange=self.reply_exchange, routing_key=message.properties["reply_to"],
                correlation_id=message.properties.get("correlation_id"),
                delivery_mode=NON_PERSISTENT, retry=True, retry_policy=DEFAULT_RETRY_POLICY,
            )


class SecureRpc(Rpc):
    rpc_consumer = ReplyingRpcConsumer()

    def __init__(self, public=False, expected_exceptions=(), **kwargs):
        self.public = public
        super().__init__(expected_exceptions=tuple(expected_exceptions) + EXPECTED, **kwargs)

    def handle_message(self, body, message):
        if not self.public:
            context_data = self.unpack_message_headers(message)
            try:
                principals.verify(
                    context_data.get(c.PRINCIPAL_CONTEXT_KEY), self.container.config
                )
            except Unauthenticated:
                self.rpc_consumer.handle_result(message, None, sys.exc_info())
                return
        super().handle_message(body, message)

    def handle_result(self, message, worker_ctx, result, exc_info):
        exc_info = finish_transactions(self.container, worker_ctx, exc_info)
        if exc_info is not None:
            result = None
        return super().handle_result(message, worker_ctx, result, exc_info)


rpc = SecureRpc.decorator


class Caller(DependencyProvider):
    """The verified principal of the call: for an RPC, the principal signed
    into its context data (None for an anonymous call of a public
    entrypoint); for event handlers and timers, the service's own system
    principal, whatever headers the message carried; None for any other
    entrypoint (e.g. nameko's own unchecked `rpc`, used by mistake)."""

    def get_dependency(self, worker_ctx):
        return acting_principal(worker_ctx)


class _ActingContext:
    """What nameko's MethodProxy reads from a worker context (`container`,
    `context_data`), with the principal replaced by the service's own."""

    def __init__(self, worker_ctx, token):
        self.container = worker_ctx.container
        self._worker_ctx = worker_ctx
        self._token = token

    @property
    def context_data(self):
        data = dict(self._worker_ctx.context_data)
        data[c.PRINCIPAL_CONTEXT_KEY] = self._token
        return data


class _TimedMethod:
    def __init__(self, method, timeout):
        self._method = method
        self._timeout = timeout

    def __call__(self, *args, **kwargs):
        return self.call_async(*args, **kwargs).result()

    def call_async(self, *args, **kwargs):
        return _TimedReply(self._method.call_async(*args, **kwargs), self._timeout, self._method)


class _TimedReply:
    def __init__(self, reply, timeout, method):
        self._reply = reply
        self._timeout = timeout
        self._method = method

    def result(self):
        try:
            with eventlet.Timeout(self._timeout):
                return self._reply.result()
        except eventlet.Timeout:
            raise RpcTimeout(f"{self._method!r} did not answer within {self._timeout}s") from None


class _TimedServiceProxy:
    """The proxy, made (and the system principal signed) only when the
    worker first calls through it: most workers never do."""

    def __init__(self, make_proxy, timeout):
        self._make_proxy = make_proxy
        self._proxy = None
        self._timeout = timeout

    def __getattr__(self, name):
        if self._proxy is None:
            self._proxy = self._make_proxy()
        return _TimedMethod(getattr(self._proxy, name), self._timeout)


class ServiceRpc(RpcProxy):
    """An RPC proxy to another service for calls a service makes on its own
    behalf (from an event handler, where no user is calling): the call
    carries the service's system principal, freshly signed, and waits at
    most `timeout` seconds (RPC_TIMEOUT by default) before raising
    nameko's RpcTimeout.

        review = ServiceRpc(c.REVIEW)
        ...
        self.review.some_method(...)

    To call on behalf of the user who is calling (the principal carried on),
    use nameko's plain RpcProxy: context data travels with the call.
    """

    def __init__(self, target_service, timeout=None, **options):
        # Transient requests: confirmed once routed (an unknown service is
        # still refused at once), not once written to disk.
        options.setdefault("delivery_mode", NON_PERSISTENT)
        super().__init__(target_service, **options)
        self.timeout = timeout

    def get_dependency(self, worker_ctx):
        config = self.container.config

        def make_proxy():
            token = principals.sign(principals.system(self.container.service_name), config)
            return ServiceProxy(
                _ActingContext(worker_ctx, token), self.target_service, self.rpc_reply_listener, **self.options,
            )

        timeout = self.timeout if self.timeout is not None else cfg.rpc_timeout(config)
        return _TimedServiceProxy(make_proxy, timeout)
