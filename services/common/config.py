"""Configuration, read from environment variables.

Every setting has a default that makes a local `make run` work on a fresh
machine. A nameko container's config (the YAML file given to `nameko run`, or
the dict a test passes) overrides the environment for that container.
"""
import os
from pathlib import Path

from services.common import contracts

ROOT = Path(__file__).resolve().parents[2]

DEV_SECRET = "dev-only-secret-change-me"
DEV_SYSTEM_SECRET = "dev-only-system-secret-change-me"

DEFAULTS = {
    contracts.ENV_APP_ENV: "development",
    contracts.ENV_AMQP_URI: "amqp://guest:guest@localhost:5672/",
    contracts.ENV_SECRET_KEY: DEV_SECRET,
    contracts.ENV_PRINCIPAL_SECRET: DEV_SECRET,
    contracts.ENV_SYSTEM_PRINCIPAL_SECRET: DEV_SYSTEM_SECRET,
    contracts.ENV_RPC_TIMEOUT: "10",
    contracts.ENV_GATEWAY_HOST: "127.0.0.1",
    contracts.ENV_GATEWAY_PORT: "8000",
    contracts.ENV_TRUSTED_PROXIES: "0",
    contracts.ENV_VAR_DIR: str(ROOT / "var"),
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


DEVELOPMENT, PRODUCTION = "development", "production"
APP_ENVS = (DEVELOPMENT, PRODUCTION)


class UnsafeConfiguration(RuntimeError):
    """A process refuses to start: its settings are unknown or unsafe."""


def _unknown_app_env(value):
    return (f"{contracts.ENV_APP_ENV} must be {DEVELOPMENT} or {PRODUCTION}, not {value!r} "
            f"(an unknown value is refused rather than run with development settings)")


def app_env(config=None):
    """"development" or "production"; any other value is refused (fail closed)."""
    value = get(contracts.ENV_APP_ENV, config)
    if value not in APP_ENVS:
        raise UnsafeConfiguration(_unknown_app_env(value))
    return value


def is_production(config=None):
    return app_env(config) == PRODUCTION


def var_dir(config=None):
    return Path(get(contracts.ENV_VAR_DIR, config))


def blob_dir(config=None):
    return Path(get(contracts.ENV_BLOB_DIR, config, default=str(var_dir(config) / "blobs")))


BLOB_BACKENDS = ("local", "s3")


def blob_backend(config=None):
    """Where blobs live: "local" (a directory, BLOB_DIR) or "s3" (an
    S3-compatible bucket, needed once replicas run on several hosts)."""
    backend = (get(contracts.ENV_BLOB_BACKEND, config, default="local")).lower()
    if backend not in BLOB_BACKENDS:
        raise ValueError(f"{contracts.ENV_BLOB_BACKEND} must be one of {', '.join(BLOB_BACKENDS)}, not {backend!r}")
    return backend


def s3_settings(config=None):
    """Connection settings of the S3-compatible blob backend."""
    return {
        "endpoint_url": get(contracts.ENV_S3_ENDPOINT_URL, config),
        "bucket": get(contracts.ENV_S3_BUCKET, config, default="sme-blobs"),
        "access_key": get(contracts.ENV_S3_ACCESS_KEY, config),
        "secret_key": get(contracts.ENV_S3_SECRET_KEY, config),
        "region": get(contracts.ENV_S3_REGION, config, default="us-east-1"),
    }


def public_base_url(config=None):
    """The address users reach the system at, for every link printed or
    encoded (the intake QR code and poster, the printed 申请表's QR code),
    never taken from a request's Host header.
    Without PUBLIC_BASE_URL: the local gateway in development, None in
    production (whoever needs it refuses rather than print a wrong link)."""
    value = get(contracts.ENV_PUBLIC_BASE_URL, config)
    if value:
        return value.rstrip("/")
    if is_production(config):
        return None
    return f"http://{get(contracts.ENV_GATEWAY_HOST, config)}:{get(contracts.ENV_GATEWAY_PORT, config)}"


def rpc_timeout(config=None):
    return float(get(contracts.ENV_RPC_TIMEOUT, config))


def database_url(service, config=None):
    """The database of one service.

    `<SERVICE>_DATABASE_URL` names a database of its own; else DATABASE_URL
    names a PostgreSQL database shared by all services, each in a schema named
    after it; else an SQLite file under var/ (the embedded default).
    """
    own = get(contracts.service_database_env(service), config)
    if own:
        return own
    shared = get(contracts.ENV_DATABASE_URL, config)
    if shared:
        return shared
    if is_production(config):  # never a file on a pod's scratch disk
        raise UnsafeConfiguration(
            f"{contracts.service_database_env(service)} (or {contracts.ENV_DATABASE_URL}) must name a "
            f"PostgreSQL database in production")
    return "sqlite:///" + str(var_dir(config) / f"{service}.sqlite3")


# --- the startup guard ---------------------------------------------------------

GATEWAY, SETUP = "gateway", "setup"
PROCESSES = contracts.SERVICES + (GATEWAY, SETUP)
SSL_MODES = ("disable", "require", "verify-full")
QUEUE_TYPES = ("classic", "quorum")


def _is_postgresql(url):
    return bool(url) and url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def startup_problems(process, config=None):
    """Every reason why `process` (a service, "gateway" or "setup") must not
    start with these settings, all at once (empty when fine). An unknown
    APP_ENV is a problem and the rest is judged as production would be."""
    if process not in PROCESSES:
        raise ValueError(f"unknown process {process!r}")
    problems = []
    env = get(contracts.ENV_APP_ENV, config)
    if env not in APP_ENVS:
        problems.append(_unknown_app_env(env))
    problems += _setting_problems(config)
    if env == DEVELOPMENT:
        return problems

    def secret_of_its_own(name):
        if get(name, config) in (None, "", DEV_SECRET):
            problems.append(f"{name} must be set to a secret of its own in production")

    if process != SETUP:
        secret_of_its_own(contracts.ENV_PRINCIPAL_SECRET)
    if process in contracts.SERVICES:
        problems += _system_secret_problems(config)
    if process == GATEWAY:
        secret_of_its_own(contracts.ENV_SECRET_KEY)
        if get(contracts.ENV_SECRET_KEY_PREVIOUS, config) == DEV_SECRET:
            problems.append(f"{contracts.ENV_SECRET_KEY_PREVIOUS} must not be the development secret")
        if gateway_holds_system_secret(config):
            problems.append(
                f"{contracts.ENV_SYSTEM_PRINCIPAL_SECRET} is the services' alone; remove it from the gateway")
    for service in (contracts.SERVICES if process == SETUP else (process,) if process in contracts.SERVICES else ()):
        own = get(contracts.service_database_env(service), config)
        shared = get(contracts.ENV_DATABASE_URL, config)
        if not _is_postgresql(own or shared):
            problems.append(
                f"{contracts.service_database_env(service)} (or {contracts.ENV_DATABASE_URL}) must name a PostgreSQL "
                f"database in production, not " + (repr(own or shared) if own or shared else
                                                   "be unset (the SQLite file on local disk is for development)"))
    if process in (GATEWAY, contracts.DECLARATIONS) and not get(contracts.ENV_PUBLIC_BASE_URL, config):
        problems.append(f"{contracts.ENV_PUBLIC_BASE_URL} must be set in production (the address users reach "
                        f"the system at: every QR code and printed link starts with it)")
    if process == contracts.NOTIFY:
        if (get(contracts.ENV_SMS_PROVIDER, config, default="console")).lower() != "http":
            problems.append(f"{contracts.ENV_SMS_PROVIDER} must be http in production (console is for development)")
        for name in (contracts.ENV_SMS_HTTP_URL, contracts.ENV_SMS_APP_KEY, contracts.ENV_SMS_APP_SECRET):
            if not get(name, config):
                problems.append(f"{name} must be set in production (the SMS gateway notify sends through)")
    return problems


def _setting_problems(config):
    """Settings whose value is not one the code knows, in any environment."""
    problems = []
    backend = (get(contracts.ENV_BLOB_BACKEND, config, default="local")).lower()
    if backend not in BLOB_BACKENDS:
        problems.append(f"{contracts.ENV_BLOB_BACKEND} must be one of {', '.join(BLOB_BACKENDS)}, not {backend!r}")
    mode = get(contracts.ENV_DATABASE_SSLMODE, config, default="disable")
    if mode not in SSL_MODES:
        problems.append(f"{contracts.ENV_DATABASE_SSLMODE} must be one of {', '.join(SSL_MODES)}, not {mode!r}")
    queue_type = get(contracts.ENV_EVENT_QUEUE_TYPE, config, default="classic")
    if queue_type not in QUEUE_TYPES:
        problems.append(f"{contracts.ENV_EVENT_QUEUE_TYPE} must be one of {', '.join(QUEUE_TYPES)}, not {queue_type!r}")
    proxies = get(contracts.ENV_TRUSTED_PROXIES, config)
    if not str(proxies).isdigit():
        problems.append(f"{contracts.ENV_TRUSTED_PROXIES} must be a number of proxies (0, 1, ...), not {proxies!r}")
    return problems


def refuse_unsafe_start(process, config=None):
    """The startup guard: raise, naming every problem, when `process` must not start."""
    problems = startup_problems(process, config)
    if problems:
        raise UnsafeConfiguration(f"{process}: refusing to start: " + "; ".join(problems))


def check_production(config=None, process=contracts.ACCOUNTS):
    """Problems that forbid starting `process` (empty when fine)."""
    return startup_problems(process, config)


def service_secret_problems(config=None):
    """Why a service process must not start in production (empty when fine):
    the principal secrets must be its own, and the system principals' key
    differ from the one the gateway holds."""
    if not is_production(config):
        return []
    problems = []
    if get(contracts.ENV_PRINCIPAL_SECRET, config) == DEV_SECRET:
        problems.append(f"{contracts.ENV_PRINCIPAL_SECRET} must be set to a secret of its own in production")
    return problems + _system_secret_problems(config)


def _system_secret_problems(config):
    problems = []
    system = get(contracts.ENV_SYSTEM_PRINCIPAL_SECRET, config)
    if system == DEV_SYSTEM_SECRET:
        problems.append(f"{contracts.ENV_SYSTEM_PRINCIPAL_SECRET} must be set to a secret of its own in production")
    elif system in (get(contracts.ENV_PRINCIPAL_SECRET, config), get(contracts.ENV_PRINCIPAL_SECRET_PREVIOUS, config)):
        problems.append(f"{contracts.ENV_SYSTEM_PRINCIPAL_SECRET} must differ from {contracts.ENV_PRINCIPAL_SECRET} "
                        f"(the gateway holds that one)")
    return problems


def gateway_holds_system_secret(config=None):
    """True when the gateway was given the services' system-principal key
    (refused in production: the internet-facing process must not be able to
    sign a `system` principal)."""
    return any(
        get(name, config) not in (None, "", DEV_SYSTEM_SECRET)
        for name in (contracts.ENV_SYSTEM_PRINCIPAL_SECRET, contracts.ENV_SYSTEM_PRINCIPAL_SECRET_PREVIOUS)
    )


def gateway_problems(config=None):
    """Why the gateway must not start (empty when fine)."""
    return startup_problems(GATEWAY, config)


def secret_keys(config=None):
    """The gateway's keys: the current one first (signs), then the previous one
    (still accepted while a rotation is under way)."""
    keys = [get(contracts.ENV_SECRET_KEY, config)]
    previous = get(contracts.ENV_SECRET_KEY_PREVIOUS, config)
    if previous and previous not in keys:
        keys.append(previous)
    return keys


def database_ssl_context(config=None):
    """The TLS context of PostgreSQL connections (None: DATABASE_SSLMODE=disable).
    require: encrypted, the server's certificate not checked; verify-full:
    checked against DATABASE_SSL_ROOT_CERT (else the system's CAs) and the host name."""
    mode = get(contracts.ENV_DATABASE_SSLMODE, config, default="disable")
    if mode == "disable":
        return None
    import ssl

    if mode not in SSL_MODES:
        raise UnsafeConfiguration(
            f"{contracts.ENV_DATABASE_SSLMODE} must be one of {', '.join(SSL_MODES)}, not {mode!r}")
    context = ssl.create_default_context(cafile=get(contracts.ENV_DATABASE_SSL_ROOT_CERT, config))
    if mode == "require":
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def event_queue_type(config=None):
    """Type of the durable event queues: classic (default, any RabbitMQ) or
    quorum (RabbitMQ 3.8+ clusters; production sets it)."""
    value = get(contracts.ENV_EVENT_QUEUE_TYPE, config, default="classic")
    if value not in QUEUE_TYPES:
        raise UnsafeConfiguration(
            f"{contracts.ENV_EVENT_QUEUE_TYPE} must be one of {', '.join(QUEUE_TYPES)}, not {value!r}")
    return value


def trusted_proxies(config=None):
    return int(get(contracts.ENV_TRUSTED_PROXIES, config))


def nameko_config(config=None):
    """The dict a nameko container runs with."""
    return {
        "AMQP_URI": get(contracts.ENV_AMQP_URI, config),
        "serializer": "json",
        **(config or {}),
    }
