"""What the notify service's entrypoints are given: the outbound sender (the
provider adapter and a database engine of its own) and a timer whose interval
comes from the configuration."""
from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from services.common import config as cfg
from services.common import contracts as c
from services.common.db import make_engine
from services.notify import providers, sending


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

    def stop(self):
        self.provider.close()
        self.engine.dispose()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self

    def send_due(self):
        return sending.send_due(self.engine, self.provider, self.settings)


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
