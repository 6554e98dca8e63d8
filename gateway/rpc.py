"""The gateway's RPC client.

One nameko standalone ClusterRpcProxy per thread, started on first use and
reused across requests (one reply queue per thread, not per request). Each
call carries the signed principal of the request in its context data and
waits at most the given timeout; a timeout or a broker fault becomes
`ServiceUnavailable`, and a proxy that timed out or whose connection broke
is thrown away and rebuilt on the next call, so that channels and stored
replies stay bounded.
"""
import logging
import socket
import threading

from amqp.exceptions import AMQPError
from kombu.exceptions import OperationalError
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy

from services.common import config as cfg
from services.common import contracts as c
from services.common import principal as principals

log = logging.getLogger(__name__)


class ServiceUnavailable(Exception):
    """A service did not answer in time, or the broker is unreachable."""

    def __init__(self, service, reason):
        super().__init__(f"{service}: {reason}")
        self.service = service


BROKEN = (socket.error, IOError, OSError, AMQPError, OperationalError, RuntimeError)


class RpcClient:
    def __init__(self, config=None, timeout=None):
        self.config = config or {}
        self.timeout = timeout if timeout is not None else cfg.rpc_timeout(self.config)
        self._local = threading.local()
        self._all = []
        self._lock = threading.Lock()

    def _proxy(self):
        pair = getattr(self._local, "pair", None)
        if pair is None:
            standalone = ClusterRpcProxy(cfg.nameko_config(self.config), timeout=self.timeout)
            pair = (standalone, standalone.start())
            self._local.pair = pair
            with self._lock:
                self._all.append(standalone)
        return pair

    def _discard(self, delete_queue=False):
        pair = getattr(self._local, "pair", None)
        self._local.pair = None
        if pair is not None:
            with self._lock:
                if pair[0] in self._all:
                    self._all.remove(pair[0])
            if delete_queue:
                try:  # its reply queue, with any late reply in it (else it lingers until x-expires)
                    pair[0]._reply_listener.queue_consumer.queue.delete()
                except Exception:  # the connection is gone too: the queue expires on its own
                    pass
            try:
                pair[0].stop()
            except Exception:  # already broken; nothing more to release
                pass

    def call(self, service, method, *args, principal=None, timeout=None, **kwargs):
        if principal is not None and principal.kind not in c.USER_KINDS:
            # Users only: `system` principals are the services' own (their key is not the gateway's).
            raise ValueError(f"the gateway signs user principals only, not {principal.kind!r}")
        try:
            standalone, proxy = self._proxy()
        except BROKEN as exc:
            self._discard()
            raise ServiceUnavailable(service, f"broker unreachable: {exc}") from exc
        data = self.context_data()
        if principal is not None:
            data[c.PRINCIPAL_CONTEXT_KEY] = principals.sign(principal, self.config)
        standalone._worker_ctx.data = data
        standalone._reply_listener.queue_consumer.timeout = timeout or self.timeout
        try:
            return getattr(proxy[service], method)(*args, **kwargs)
        except RpcTimeout as exc:
            # nameko's proxy opens a new channel after a timeout without
            # closing the old one, and keeps the late reply, unacknowledged,
            # for ever: recycle it (closing its connection closes all its
            # channels; its reply queue is deleted, late replies with it).
            self._discard(delete_queue=True)
            raise ServiceUnavailable(service, "timed out") from exc
        except UnknownService as exc:
            raise ServiceUnavailable(service, "unknown service") from exc
        except BROKEN as exc:
            log.warning("RPC connection broke (%s); rebuilding the proxy", exc)
            self._discard()
            raise ServiceUnavailable(service, f"connection lost: {exc}") from exc

    def context_data(self):
        """Context data every call carries besides the principal (a subclass
        adds the request's correlation id)."""
        return {}

    def close(self):
        with self._lock:
            proxies, self._all = self._all, []
        for standalone in proxies:
            try:
                standalone.stop()
            except Exception:
                pass
