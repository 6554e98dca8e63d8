"""The startup guard (services.common.config.startup_problems): every process
of the system refuses to start with unknown or unsafe settings and names every
problem at once; each container of deploy/compose.yaml and each workload of
deploy/k8s, with its own environment only (the image's ENV plus what that
container is given, nothing merged from the others or from this shell),
passes its own guard."""
import os

import pytest

from services.common import config as cfg
from services.common import contracts as c
from tests.deploy import deployfiles as d

INFRA = ("rabbitmq", "postgres", "seaweedfs", "proxy")
SECRETS = {c.ENV_SECRET_KEY: "a-session-key-of-its-own", c.ENV_PRINCIPAL_SECRET: "a-principal-key-of-its-own",
           c.ENV_PUBLIC_BASE_URL: "https://sme.example.gov.cn"}


@pytest.fixture
def bare_environment(monkeypatch):
    """Nothing from this shell: a process sees only what it is given."""
    for name in list(os.environ):
        monkeypatch.delenv(name)


# --- each container's own environment ------------------------------------------

def compose_containers():
    compose = d.load(d.read_env_file(d.TEST_SECRETS))
    return {name: d.container_env(d.environment(spec))
            for name, spec in compose["services"].items() if name not in INFRA}


def k8s_workloads():
    objects = d.kustomize(d.K8S) + d.kustomize(d.K8S / "setup")
    secret = d.read_env_file(d.K8S_TEST_SECRET)
    found = {}
    for doc in objects:
        if doc["kind"] in ("Deployment", "Job"):
            found[doc["metadata"]["name"]] = d.workload_env(doc, objects, secret)
    return found


COMPOSE = compose_containers()
K8S = k8s_workloads()


def test_every_process_has_a_container_and_a_workload():
    assert set(COMPOSE) == set(cfg.PROCESSES)
    assert set(K8S) == set(cfg.PROCESSES)


@pytest.mark.parametrize("process", sorted(COMPOSE))
def test_each_compose_container_passes_its_own_guard(process, bare_environment):
    env = COMPOSE[process]
    assert env[c.ENV_APP_ENV] == "production"  # from the image's ENV or its own
    assert cfg.startup_problems(process, env) == []


@pytest.mark.parametrize("process", sorted(K8S))
def test_each_k8s_workload_passes_its_own_guard(process, bare_environment):
    env = K8S[process]
    assert env[c.ENV_APP_ENV] == "production"
    assert cfg.startup_problems(process, env) == []


def test_a_container_missing_what_only_another_has_is_refused(bare_environment):
    """Merging every container's settings hid the accounts service without
    what it needs; judged alone, a gap shows."""
    accounts = dict(COMPOSE[c.ACCOUNTS])
    del accounts[c.ENV_PRINCIPAL_SECRET]
    assert any(c.ENV_PRINCIPAL_SECRET in p for p in cfg.startup_problems(c.ACCOUNTS, accounts))
    gateway = dict(K8S["gateway"])
    del gateway[c.ENV_SECRET_KEY]
    assert any(c.ENV_SECRET_KEY in p for p in cfg.startup_problems(cfg.GATEWAY, gateway))


# --- fail closed ------------------------------------------------------------------

@pytest.mark.parametrize("value", ["prod", "Production", "staging", "production "])
def test_an_unknown_app_env_is_refused_with_a_clear_message(value, bare_environment):
    problems = cfg.startup_problems(c.TENANTS, {c.ENV_APP_ENV: value})
    assert problems and f"APP_ENV must be development or production, not {value!r}" in problems[0]
    with pytest.raises(cfg.UnsafeConfiguration, match="APP_ENV must be development or production"):
        cfg.is_production({c.ENV_APP_ENV: value})
    with pytest.raises(cfg.UnsafeConfiguration, match="APP_ENV"):
        from gateway import create_app

        create_app({c.ENV_APP_ENV: value, **SECRETS})


def test_an_unknown_app_env_is_judged_as_production(bare_environment):
    """Besides the unknown value, what production would refuse is named too."""
    problems = " | ".join(cfg.startup_problems(c.NOTIFY, {c.ENV_APP_ENV: "prod"}))
    for name in (c.ENV_APP_ENV, c.ENV_PRINCIPAL_SECRET, "NOTIFY_DATABASE_URL", c.ENV_SMS_PROVIDER):
        assert name in problems


@pytest.mark.parametrize("service", c.SERVICES)
def test_production_without_a_postgresql_database_is_refused(service, bare_environment):
    env = {c.ENV_APP_ENV: "production", **SECRETS, c.ENV_SMS_PROVIDER: "http", c.ENV_SMS_HTTP_URL: "https://x",
           c.ENV_SMS_APP_KEY: "k", c.ENV_SMS_APP_SECRET: "s",
           c.ENV_SYSTEM_PRINCIPAL_SECRET: "the-services-own-system-key"}
    name = c.service_database_env(service)
    assert any(name in p and "must name a PostgreSQL database" in p for p in cfg.startup_problems(service, env))
    sqlite = {**env, name: "sqlite:////var/lib/sme/x.sqlite3"}
    assert any(name in p for p in cfg.startup_problems(service, sqlite))
    own = {**env, name: f"postgresql://{service}:pw@db:5432/{service}"}
    assert cfg.startup_problems(service, own) == []
    shared = {**env, c.ENV_DATABASE_URL: "postgresql://sme:pw@db:5432/sme"}
    assert cfg.startup_problems(service, shared) == []


def test_no_process_falls_back_to_a_local_file_in_production(bare_environment):
    """A management command run in a container without its database URL
    (e.g. create-staff) is refused too, not pointed at SQLite."""
    from services.common.db import make_engine

    with pytest.raises(cfg.UnsafeConfiguration, match="ACCOUNTS_DATABASE_URL"):
        make_engine(c.ACCOUNTS, {c.ENV_APP_ENV: "production"})
    assert cfg.database_url(c.ACCOUNTS).startswith("sqlite:///")  # development keeps its embedded default


def test_the_setup_job_needs_every_database(bare_environment):
    env = {c.ENV_APP_ENV: "production", c.service_database_env(c.ACCOUNTS): "postgresql://a:b@db/accounts"}
    problems = " | ".join(cfg.startup_problems(cfg.SETUP, env))
    for service in c.SERVICES:
        assert (c.service_database_env(service) in problems) == (service != c.ACCOUNTS)


def test_the_guard_names_every_problem_at_once(bare_environment):
    env = {c.ENV_APP_ENV: "production", c.ENV_DATABASE_SSLMODE: "prefer", c.ENV_EVENT_QUEUE_TYPE: "stream",
           c.ENV_TRUSTED_PROXIES: "yes", c.ENV_SECRET_KEY_PREVIOUS: cfg.DEV_SECRET}
    with pytest.raises(cfg.UnsafeConfiguration) as refused:
        cfg.refuse_unsafe_start(cfg.GATEWAY, env)
    message = str(refused.value)
    for name in (c.ENV_PRINCIPAL_SECRET, c.ENV_SECRET_KEY, c.ENV_SECRET_KEY_PREVIOUS, c.ENV_DATABASE_SSLMODE,
                 c.ENV_EVENT_QUEUE_TYPE, c.ENV_TRUSTED_PROXIES):
        assert name in message
    assert message.startswith("gateway: refusing to start: ")


def test_development_starts_with_the_defaults(bare_environment):
    for process in cfg.PROCESSES:
        assert cfg.startup_problems(process) == []


def test_a_service_refuses_to_start_in_production_without_its_database(container_factory, config, monkeypatch):
    """The guard runs in every service process at start (its Database dependency)."""
    from services.review.service import ReviewService

    production = {**config, c.ENV_APP_ENV: "production", c.ENV_PRINCIPAL_SECRET: "its-own"}
    production.pop(c.ENV_DATABASE_URL)
    monkeypatch.delenv(c.ENV_DATABASE_URL, raising=False)
    monkeypatch.delenv(c.service_database_env(c.REVIEW), raising=False)
    container = container_factory(ReviewService, production)
    with pytest.raises(cfg.UnsafeConfiguration, match="REVIEW_DATABASE_URL"):
        container.start()


def test_database_tls_is_required_when_set(config):
    """DATABASE_SSLMODE=require never falls back to plain text: against a
    server without TLS (this machine's) the connection is refused."""
    from sqlalchemy import text

    from services.common.db import make_engine

    plain = make_engine(c.REVIEW, {c.ENV_DATABASE_URL: config[c.ENV_DATABASE_URL]})
    with plain.connect() as conn:
        tls = conn.execute(text("SHOW ssl")).scalar()
    plain.dispose()
    engine = make_engine(c.REVIEW, {c.ENV_DATABASE_URL: config[c.ENV_DATABASE_URL], c.ENV_DATABASE_SSLMODE: "require"})
    try:
        if tls == "on":
            with engine.connect() as conn:
                assert conn.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).scalar()
        else:
            with pytest.raises(Exception, match="(?i)ssl"):
                engine.connect().close()
    finally:
        engine.dispose()
    assert cfg.database_ssl_context({c.ENV_DATABASE_SSLMODE: "disable"}) is None
    assert cfg.database_ssl_context({c.ENV_DATABASE_SSLMODE: "verify-full"}).check_hostname is True
