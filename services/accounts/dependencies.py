"""What accounts' workers get besides the database: the key that hashes SMS
codes and the blob store, both from the container's configuration."""
import hashlib

from nameko.extensions import DependencyProvider

from services.accounts import api_tokens, login, second_factor
from services.common import blobs
from services.common import config as cfg
from services.common import contracts
from services.common import pruning


class Settings(DependencyProvider):
    def setup(self):
        config = self.container.config
        # A key of its own, derived from the service secret.
        self.code_key = hashlib.sha256(b"sms-codes:" + cfg.get(contracts.ENV_PRINCIPAL_SECRET, config).encode()).digest()
        self.store = blobs.blob_store(config)
        self.second_factor = second_factor.Keys(config)
        self.log_keep_days = pruning.settings(config)["log_days"]
        self.login_failures_per_ip = max(
            int(cfg.get(contracts.ENV_LOGIN_FAILURES_PER_IP, config, default=str(login.MAX_IP_FAILURES))), 0
        )
        self.api_token_per_minute = max(
            int(cfg.get(contracts.ENV_API_TOKEN_PER_MINUTE, config, default=str(api_tokens.PER_MINUTE))), 0
        )

    def get_dependency(self, worker_ctx):
        return self
