"""Shared fixtures: the real RabbitMQ (a vhost per test, from nameko's pytest
plugin) and the real PostgreSQL (a fresh database per test session, cleaned
between tests).

Eventlet's monkey patch comes first, as `nameko run` does it, except in the
browser-test process (Playwright's sync API hangs in a patched process).
"""
import os

if os.environ.get("SME_BROWSER_TESTS") != "1":
    import eventlet

    eventlet.monkey_patch()

# Browser tests run only in their own, unpatched process (`make test-browser`).
collect_ignore = [] if os.environ.get("SME_BROWSER_TESTS") == "1" else ["browser"]

import uuid  # noqa: E402

import pytest  # noqa: E402
from kombu import Connection  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from services.common import contracts as c  # noqa: E402

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+pg8000://postgres@127.0.0.1:5432/postgres")


def _admin_engine():
    return create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_database():
    """A fresh PostgreSQL database for this test session, every service's
    migrations applied (one schema per service). Yields its URL."""
    from services.common import migrations

    name = f"sme_test_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    config = {c.ENV_DATABASE_URL: url}
    for service in c.SERVICES:
        migrations.upgrade(service, config)
    yield url
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


# Backends still working when a test's services are gone: a container killed
# at teardown leaves its statements running on the server until they end.
_LEFTOVERS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')"
)


def truncate_all(url, tries=5):
    """Empty every service's tables. A killed service's statement may still
    hold (or wait for) a lock: it is ended first, and a deadlock with one
    that started meanwhile is tried again."""
    from sqlalchemy.exc import DBAPIError

    engine = create_engine(url)
    try:
        for attempt in range(tries):
            try:
                with engine.begin() as conn:
                    conn.execute(text(_LEFTOVERS))
                    conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                    tables = conn.execute(
                        text(
                            "SELECT schemaname, tablename FROM pg_tables "
                            "WHERE schemaname = ANY(:schemas) AND tablename <> 'alembic_version'"
                        ),
                        {"schemas": list(c.SERVICES)},
                    ).all()
                    if tables:
                        names = ", ".join(f'"{s}"."{t}"' for s, t in tables)
                        conn.execute(text(f"TRUNCATE {names} CASCADE"))
                return
            except DBAPIError:
                if attempt == tries - 1:
                    raise
    finally:
        engine.dispose()


@pytest.fixture
def db_url(pg_database):
    """The test database, emptied after the test."""
    yield pg_database
    truncate_all(pg_database)


@pytest.fixture
def config(rabbit_config, db_url):
    """Configuration of services under test: a vhost of their own on the real
    RabbitMQ, the session's PostgreSQL database, the contracts' consumer
    queues declared (as the setup step does)."""
    from services.common import queues

    conf = dict(rabbit_config)
    conf.update({c.ENV_DATABASE_URL: db_url, "serializer": "json"})
    with Connection(conf["AMQP_URI"]) as conn:
        queues.declare_all(conn)
    return conf


@pytest.fixture
def db_engine(db_url):
    """An engine on one service's schema: db_engine(service)."""
    from services.common.db import make_engine

    engines = []

    def make(service):
        engine = make_engine(service, {c.ENV_DATABASE_URL: db_url})
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()
