"""Entrypoints and dependencies every service uses.

`rpc` is nameko's RPC entrypoint with two guarantees added:
- the caller's signed principal is verified before any worker runs; a call
  without a valid one is refused (`Unauthenticated`) unless the entrypoint is
  declared `public=True`;
- the worker's database transactions are committed (or rolled back) before
  the reply is sent, so a caller never sees a result that was not saved, and a
  failed commit reaches the caller as an error.

`Caller` gives the worker the verified principal. `ServiceRpc` calls another
service as this service (its system principal), with a timeout.
"""
import sys

import eventlet
from nameko.exceptions import RpcTimeout
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc, RpcProxy, ServiceProxy
from nameko.timer import Timer

from services.common import config as cfg
from services.common import contracts as c
from services.common import principal as principals
from services.common.db import finish_transactions
from services.common.errors import EXPECTED, Unauthenticated


class SecureRpc(Rpc):
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


# The entrypoint verified the token strictly when the call arrived; `Caller`
# reads it again a moment later and must not fail the worker over the gap.
CALLER_LEEWAY_SECONDS = 30


class Caller(DependencyProvider):
    """The verified principal of the call: for an RPC, the principal signed
    into its context data (None for an anonymous call of a public
    entrypoint); for event handlers and timers, the service's own system
    principal, whatever headers the message carried; None for any other
    entrypoint (e.g. nameko's own unchecked `rpc`, used by mistake)."""

    def get_dependency(self, worker_ctx):
        return acting_principal(worker_ctx)


def acting_principal(worker_ctx):
    """The verified principal a worker acts for (see `Caller`)."""
    entrypoint = worker_ctx.entrypoint
    container = worker_ctx.container
    if getattr(entrypoint, "acts_as_service", False) or isinstance(entrypoint, Timer):
        return principals.system(container.service_name)
    if not isinstance(entrypoint, SecureRpc):
        return None
    token = worker_ctx.context_data.get(c.PRINCIPAL_CONTEXT_KEY)
    if not token:
        return None
    try:
        return principals.verify(
            token,
            container.config,
            leeway=0 if entrypoint.public else CALLER_LEEWAY_SECONDS,
        )
    except Unauthenticated:
        return None


def correlation_id(worker_ctx):
    """The correlation id of the request a worker serves: the one its context
    data carries (set by whoever started the request, restored by event
    handlers from the envelope), else the id of the first call of the chain
    that a service served (a standalone proxy, such as the gateway's, keeps
    one id for all the calls it makes)."""
    given = worker_ctx.context_data.get(c.CORRELATION_CONTEXT_KEY)
    if isinstance(given, str) and given:
        return given[:200]
    stack = [i for i in worker_ctx.call_id_stack if not i.startswith(STANDALONE_CALL_PREFIX)]
    return stack[0][:200] if stack else None


STANDALONE_CALL_PREFIX = "standalone_rpc_proxy."


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
    def __init__(self, proxy, timeout):
        self._proxy = proxy
        self._timeout = timeout

    def __getattr__(self, name):
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
        super().__init__(target_service, **options)
        self.timeout = timeout

    def get_dependency(self, worker_ctx):
        config = self.container.config
        token = principals.sign(principals.system(self.container.service_name), config)
        proxy = ServiceProxy(
            _ActingContext(worker_ctx, token), self.target_service, self.rpc_reply_listener,
            **self.options,
        )
        timeout = self.timeout if self.timeout is not None else cfg.rpc_timeout(config)
        return _TimedServiceProxy(proxy, timeout)
