"""What the notify service's entrypoints are given: the outbound sender (the
provider adapter and a database engine of its own) and a timer whose interval
comes from the configuration.

A worker that accepted messages has them sent by `Outbound` as soon as the
worker's transaction is committed (nameko calls `worker_result` after the
entrypoint committed and acked); the timer only sends what is due again."""
import logging
import weakref

from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from services.common import config as cfg
from services.common import contracts as c
from services.common.db import make_engine
from services.notify import providers, sending

log = logging.getLogger(__name__)


class Outbound(DependencyProvider):
    """The provider adapter of the configuration, built once per container
    (its HTTP session pools connections across sends). Building it refuses a
    console provider in production, so the service does not start."""

    def setup(self):
        config = self.container.config
        self.settings = sending.settings(config)
        self.production = cfg.is_production(config)
        self.engine = make_engine(c.NOTIFY, config)
        self.provider = providers.make_provider(config, self.engine)
        self.accepted = weakref.WeakKeyDictionary()  # worker -> ids of the messages it accepted

    def stop(self):
        self.provider.close()
        self.engine.dispose()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return OutboundWorker(self, worker_ctx)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        ids = self.accepted.pop(worker_ctx, None)
        if not ids or exc_info is not None:
            return  # nothing accepted, or rolled back: the timer has nothing new either
        try:
            sending.send_now(self.engine, self.provider, ids, self.settings)
        except Exception:  # the database, most likely: the timer sends it when due
            log.exception("sending at once failed; the retry timer will send it")

    def worker_teardown(self, worker_ctx):
        self.accepted.pop(worker_ctx, None)

    def send_due(self):
        return sending.send_due(self.engine, self.provider, self.settings)


class OutboundWorker:
    """What one worker sees as `self.outbound`."""

    def __init__(self, outbound, worker_ctx):
        self._outbound = outbound
        self._worker_ctx = worker_ctx
        self.settings = outbound.settings
        self.production = outbound.production

    def send_after_commit(self, message):
        """Send `message` once the worker's transaction has committed."""
        self._outbound.accepted.setdefault(self._worker_ctx, []).append(message.id)

    def send_due(self):
        return self._outbound.send_due()


class ConfiguredTimer(Timer):
    """nameko's timer, its interval read from a setting at container setup."""

    def __init__(self, setting, default, **kwargs):
        self.setting = setting
        self.default = default
        super().__init__(interval=default, eager=True, **kwargs)

    def setup(self):
        self.interval = float(cfg.get(self.setting, self.container.config, default=str(self.default)))
        super().setup()


timer = ConfiguredTimer.decorator
