"""The Database dependency on the real PostgreSQL and RabbitMQ: a worker's
transaction is committed before its reply, rolled back when it raises, and
slow queries of concurrent workers do not block each other."""
import time

import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import text

from services.common import contracts as c
from services.common.db import Database
from services.common.entrypoints import rpc


class ProbeService:
    name = "probe"
    db = Database(c.ACCOUNTS)

    @rpc(public=True)
    def write(self, value, fail=False):
        self.db.session.execute(text("INSERT INTO probe (value) VALUES (:v)"), {"v": value})
        if fail:
            raise ValueError("the entrypoint failed after writing")
        return value

    @rpc(public=True)
    def slow(self, seconds):
        return self.db.session.execute(text("SELECT pg_sleep(:s)"), {"s": seconds}).scalar() or "slept"


@pytest.fixture
def probe_table(db_engine):
    engine = db_engine(c.ACCOUNTS)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS probe (value text)"))
    return engine


def probe_values(engine):
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT value FROM probe ORDER BY value"))]


def test_commit_before_reply_and_rollback_on_error(container_factory, config, probe_table):
    container_factory(ProbeService, config).start()
    with ServiceRpcProxy("probe", config) as probe:
        assert probe.write("kept") == "kept"
        # The reply came after the commit: another connection sees the row now.
        assert probe_values(probe_table) == ["kept"]
        with pytest.raises(Exception) as err:
            probe.write("lost", fail=True)
        assert "ValueError" in repr(err.value) or "ValueError" in str(err.value)
    assert probe_values(probe_table) == ["kept"]


def test_slow_queries_of_concurrent_workers_run_at_the_same_time(container_factory, config, probe_table):
    """pg8000 on eventlet's green sockets: four workers sleeping in PostgreSQL
    are seen in pg_stat_activity together (no timing assertion)."""
    container_factory(ProbeService, config).start()
    workers = 4
    seen = 0
    with ServiceRpcProxy("probe", config) as probe:
        probe.slow(0)  # the first connection initialises the dialect
        replies = [probe.slow.call_async(2) for _ in range(workers)]
        with probe_table.connect() as conn:
            for _ in range(100):
                active = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                        "AND application_name = :app AND query LIKE '%pg_sleep%' "
                        "AND pid <> pg_backend_pid()"
                    ),
                    {"app": c.ACCOUNTS},
                ).scalar()
                conn.rollback()  # pg_stat_activity is a snapshot per transaction
                seen = max(seen, active)
                if seen == workers:
                    break
                eventlet.sleep(0.05)
        for reply in replies:
            reply.result()
    assert seen == workers


def test_a_service_refuses_to_start_in_production_with_the_development_secret(container_factory, config):
    production = {**config, c.ENV_APP_ENV: "production"}
    with pytest.raises(RuntimeError, match=c.ENV_PRINCIPAL_SECRET):
        container_factory(ProbeService, production).start()
    with pytest.raises(RuntimeError, match=c.ENV_SYSTEM_PRINCIPAL_SECRET):
        container_factory(ProbeService, {**production, c.ENV_PRINCIPAL_SECRET: "a-secret-of-its-own"}).start()
    container_factory(ProbeService, {**production, c.ENV_PRINCIPAL_SECRET: "a-secret-of-its-own",
                                     c.ENV_SYSTEM_PRINCIPAL_SECRET: "the-services-own-secret"}).start()


def test_a_pooled_connection_that_died_while_idle_is_replaced_before_use(db_url, monkeypatch):
    """The server ended a pooled connection (a restart, a proxy's timeout)
    while the service was quiet: the next checkout checks it, throws it away
    and hands out a live one; the caller sees no error."""
    from sqlalchemy import create_engine

    from services.common import db as database

    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.05)
    engine = database.make_engine(c.DECLARATIONS, {c.ENV_DATABASE_URL: db_url})
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar()
        time.sleep(0.2)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != first
    finally:
        engine.dispose(), admin.dispose()
