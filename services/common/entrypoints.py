"""Entrypoints and dependencies every service uses.

`rpc` is nameko's RPC entrypoint with two guarantees added:
- the caller's signed principal is verified before any worker runs; a call
  without a valid one is refused (`Unauthenticated`) unless the entrypoint is
  declared `public=True`;
- the worker's database transactions are committed (or rolled back) before
  the reply is sent, so a caller never sees a result that was not saved, and a
  failed commit reaches the caller as an error.

`Caller` gives the worker the verified principal.
"""
import sys

from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc

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


class Caller(DependencyProvider):
    """The verified principal of the call (None for an anonymous call of a
    public entrypoint; the service's system principal for event handlers)."""

    def get_dependency(self, worker_ctx):
        token = worker_ctx.context_data.get(c.PRINCIPAL_CONTEXT_KEY)
        if token:
            try:
                return principals.verify(token, self.container.config)
            except Unauthenticated:
                return None
        if isinstance(worker_ctx.entrypoint, SecureRpc):
            return None
        return principals.system(self.container.service_name)
