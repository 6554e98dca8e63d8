"""The production guard as a nameko extension: a service's container refuses
to start with unknown or unsafe settings, naming every problem at once
(services.common.config.startup_problems).

The Database provider declares one for its service, so every service process
runs it; the gateway and the setup step call the same check at their start.
"""
from nameko.extensions import Extension

from services.common import config as cfg


class StartupGuard(Extension):
    """Runs the startup check of `process` when the container is set up,
    before any extension starts."""

    def __init__(self, process):
        self.process = process

    def setup(self):
        cfg.refuse_unsafe_start(self.process, self.container.config)
