"""Configuration, read from environment variables.

Every setting has a default that makes a local `make run` work on a fresh
machine. A nameko container's config (the YAML file given to `nameko run`, or
the dict a test passes) overrides the environment for that container.
"""
import os
from pathlib import Path

from services.common import contracts as c

ROOT = Path(__file__).resolve().parents[2]

DEV_SECRET = "dev-only-secret-change-me"

DEFAULTS = {
    c.ENV_APP_ENV: "development",
    c.ENV_AMQP_URI: "amqp://guest:guest@localhost:5672/",
    c.ENV_SECRET_KEY: DEV_SECRET,
    c.ENV_PRINCIPAL_SECRET: DEV_SECRET,
    c.ENV_RPC_TIMEOUT: "10",
    c.ENV_GATEWAY_HOST: "127.0.0.1",
    c.ENV_GATEWAY_PORT: "8000",
    c.ENV_TRUSTED_PROXIES: "0",
    c.ENV_VAR_DIR: str(ROOT / "var"),
}


def get(name, config=None, default=None):
    """A setting: the container config first, then the environment, then the
    project default."""
    if config and config.get(name) not in (None, ""):
        return config[name]
    value = os.environ.get(name)
    if value not in (None, ""):
        return value
    if default is not None:
        return default
    return DEFAULTS.get(name)


def is_production(config=None):
    return get(c.ENV_APP_ENV, config) == "production"


def var_dir(config=None):
    return Path(get(c.ENV_VAR_DIR, config))


def blob_dir(config=None):
    return Path(get(c.ENV_BLOB_DIR, config, default=str(var_dir(config) / "blobs")))


BLOB_BACKENDS = ("local", "s3")


def blob_backend(config=None):
    """Where blobs live: "local" (a directory, BLOB_DIR) or "s3" (an
    S3-compatible bucket, needed once replicas run on several hosts)."""
    backend = (get(c.ENV_BLOB_BACKEND, config, default="local")).lower()
    if backend not in BLOB_BACKENDS:
        raise ValueError(f"{c.ENV_BLOB_BACKEND} must be one of {', '.join(BLOB_BACKENDS)}, not {backend!r}")
    return backend


def s3_settings(config=None):
    """Connection settings of the S3-compatible blob backend."""
    return {
        "endpoint_url": get(c.ENV_S3_ENDPOINT_URL, config),
        "bucket": get(c.ENV_S3_BUCKET, config, default="sme-blobs"),
        "access_key": get(c.ENV_S3_ACCESS_KEY, config),
        "secret_key": get(c.ENV_S3_SECRET_KEY, config),
        "region": get(c.ENV_S3_REGION, config, default="us-east-1"),
    }


def rpc_timeout(config=None):
    return float(get(c.ENV_RPC_TIMEOUT, config))


def database_url(service, config=None):
    """The database of one service.

    `<SERVICE>_DATABASE_URL` names a database of its own; else DATABASE_URL
    names a PostgreSQL database shared by all services, each in a schema named
    after it; else an SQLite file under var/ (the embedded default).
    """
    own = get(c.service_database_env(service), config)
    if own:
        return own
    shared = get(c.ENV_DATABASE_URL, config)
    if shared:
        return shared
    return "sqlite:///" + str(var_dir(config) / f"{service}.sqlite3")


def check_production(config=None):
    """Problems that forbid starting in production (empty when fine)."""
    problems = gateway_problems(config)
    if not is_production(config):
        return problems
    if (get(c.ENV_SMS_PROVIDER, config, default="console")).lower() != "http":
        problems.append(f"{c.ENV_SMS_PROVIDER} must be http in production (console is for development)")
    return problems


def gateway_problems(config=None):
    """Why the gateway must not start in production (empty when fine)."""
    if not is_production(config):
        return []
    return [
        f"{name} must be set to a secret of its own in production"
        for name in (c.ENV_SECRET_KEY, c.ENV_PRINCIPAL_SECRET)
        if get(name, config) == DEV_SECRET
    ]


def public_base_url(config=None):
    """The address users reach the system at (scheme, host, optional path;
    no trailing slash), for every link printed or encoded (QR codes,
    posters, PDFs, SMS), never taken from a request's Host header. Without
    the setting: the gateway's own address (development)."""
    value = get(c.ENV_PUBLIC_BASE_URL, config)
    if not value:
        value = f"http://{get(c.ENV_GATEWAY_HOST, config)}:{get(c.ENV_GATEWAY_PORT, config)}"
    return str(value).strip().rstrip("/")


def trusted_proxies(config=None):
    return int(get(c.ENV_TRUSTED_PROXIES, config))


def nameko_config(config=None):
    """The dict a nameko container runs with."""
    return {
        "AMQP_URI": get(c.ENV_AMQP_URI, config),
        "serializer": "json",
        **(config or {}),
    }
