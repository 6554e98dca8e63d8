"""Database access for services: engines, a per-worker session, schemas.

`Database` is a nameko DependencyProvider. Each worker gets its own session;
the entrypoints of services.common.entrypoints commit it before the reply is
sent (or the message acked) and roll it back when the worker raised, so a
caller never sees a result whose transaction was not committed.

Beside it, as extensions of their own that it declares and lends its engine:
the startup guard (services.common.startup_guard), the outbox relay
(services.common.relay) and the housekeeping (services.common.pruning).

PostgreSQL is reached through pg8000, a pure-Python driver whose sockets
eventlet's monkey patch makes cooperative: a slow query of one worker does
not block the other workers of the process.

A pooled connection is checked before use only when it sat unused for
PING_AFTER_IDLE_SECONDS (`ping_when_idle`): one that died meanwhile (the
server restarted, a proxy closed it) is replaced before the worker sees it,
and a busy service does not pay a round trip per worker for the check.
"""
import logging
import time
import weakref
from pathlib import Path

from nameko.extensions import DependencyProvider
from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session

from services.common import config as cfg
from services.common import contracts
from services.common import outbox
from services.common import pg_round_trips
from services.common import sql_params
from services.common.naming import NAMING
from services.common.pruning import Housekeeping
from services.common.relay import OutboxRelay
from services.common.startup_guard import StartupGuard
from services.common.worker_context import acting_principal, correlation_id

log = logging.getLogger(__name__)


def declarative_base():
    """A fresh declarative base for one service's tables."""

    class Base(DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING)

    return Base


def uses_shared_database(service, config=None):
    return not cfg.get(contracts.service_database_env(service), config) and bool(
        cfg.get(contracts.ENV_DATABASE_URL, config)
    )


def normalise_url(url):
    """Use the pure-Python PostgreSQL driver whatever the URL names."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+pg8000")
    return parsed


def make_engine(service, config=None, **engine_kwargs):
    url = normalise_url(cfg.database_url(service, config))
    if url.get_backend_name() == "sqlite":
        if url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **engine_kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine

    sql_params.install()  # pg8000 rewrites a statement's placeholders once per process, not per execution
    pg_round_trips.install()  # and sends a statement in one exchange with the server, not three
    startup = {}
    if uses_shared_database(service, config):
        startup["search_path"] = service
    engine_kwargs.setdefault("pool_size", 10)
    engine_kwargs.setdefault("max_overflow", 20)
    connect_args = {"application_name": service, "startup_params": startup}
    ssl_context = cfg.database_ssl_context(config)
    if ssl_context is not None:
        connect_args["ssl_context"] = ssl_context
    engine = create_engine(url, connect_args=connect_args, **engine_kwargs)
    if not engine_kwargs.get("pool_pre_ping"):
        ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 2.0


def ping_when_idle(engine):
    """Check a pooled connection at checkout when it was unused for
    PING_AFTER_IDLE_SECONDS; a dead one is thrown away and the pool hands out (or opens)
    another (SQLAlchemy retries a checkout refused by DisconnectionError)."""

    @event.listens_for(engine, "checkin")
    def _idle_since(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, _proxy):
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            cursor = dbapi_conn.cursor()
            cursor.execute("SELECT 1")
            cursor.fetchall()
            cursor.close()
            dbapi_conn.rollback()
        except Exception as exc:
            raise DisconnectionError(f"pooled connection lost: {exc}") from exc


def ensure_schema(service, config=None):
    """Create the service's schema in the shared database (idempotent)."""
    if not uses_shared_database(service, config):
        return
    engine = create_engine(normalise_url(cfg.database_url(service, config)))
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{service}"'))
    finally:
        engine.dispose()


class Transaction:
    """What a worker sees as `self.db`: its session, and the outbox.

    `dispatch(event_type, data)` records an event in the same transaction as
    the business change; it is published after the commit (and by the relay
    if that publish fails), never when the transaction rolls back. Its
    envelope names the worker's principal as the cause and carries the
    worker's correlation id; a state-changing event also passes `sequence`
    and `state`.
    """

    def __init__(self, provider, session, worker_ctx=None):
        self._provider = provider
        self._worker_ctx = worker_ctx
        self.session = session
        self.finished = False
        self.pending_events = []

    def dispatch(self, event_type, data, sequence=None, state=None):
        ctx = self._worker_ctx
        row = outbox.record(
            self.session, self._provider.service_name, event_type, data,
            cause=acting_principal(ctx) if ctx is not None else None,
            correlation_id=correlation_id(ctx) if ctx is not None else None,
            sequence=sequence, state=state,
        )
        self.pending_events.append(row.id)
        return row.id

    def finish(self, failed):
        """Commit (or roll back when `failed`); idempotent. Returns the error a
        commit raised, if any."""
        if self.finished:
            return None
        self.finished = True
        if failed:
            self.session.rollback()
            self.pending_events = []
            return None
        try:
            self.session.commit()
        except Exception as exc:  # the caller must learn that nothing was saved
            log.exception("commit failed")
            self.session.rollback()
            self.pending_events = []
            return exc
        return None


class Database(DependencyProvider):
    """One SQLAlchemy session per worker, committed before the worker's result
    leaves the service."""

    def __init__(self, service_name):
        self.service_name = service_name
        self.engine = None
        self.transactions = weakref.WeakKeyDictionary()
        self.guard = StartupGuard(service_name)
        self.relay = OutboxRelay()
        self.housekeeping = Housekeeping(service_name)

    def setup(self):
        self.engine = make_engine(self.service_name, self.container.config)
        # They start after every extension is set up, on this engine.
        self.relay.engine = self.engine
        self.housekeeping.engine = self.engine

    def stop(self):
        # What runs on the engine ends before the engine goes.
        self.relay.stop()
        self.housekeeping.stop()
        if self.engine is not None:
            self.engine.dispose()

    def kill(self):
        self.relay.kill()
        self.housekeeping.kill()
        # Workers killed in the middle of a transaction never finish it: drop
        # their connections, so that PostgreSQL ends those transactions and
        # releases their locks (a crashed process's would be dropped too).
        for tx in list(self.transactions.values()):
            try:
                tx.session.invalidate()
            except Exception:  # noqa: BLE001 - the connection is gone either way
                log.debug("invalidating a killed worker's session failed", exc_info=True)
        if self.engine is not None:
            self.engine.dispose()

    def get_dependency(self, worker_ctx):
        tx = Transaction(self, Session(self.engine, expire_on_commit=False), worker_ctx)
        self.transactions[worker_ctx] = tx
        return tx

    def finish(self, worker_ctx, failed):
        tx = self.transactions.get(worker_ctx)
        return tx.finish(failed) if tx is not None else None

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        # Entrypoints of our own finish before replying; this catches any
        # other entrypoint (timers) so that nothing is left open.
        self.finish(worker_ctx, failed=exc_info is not None)

    def worker_teardown(self, worker_ctx):
        tx = self.transactions.pop(worker_ctx, None)
        if tx is None:
            return
        try:
            if tx.pending_events:
                outbox.publish_committed(self, tx.pending_events)
        finally:
            tx.session.close()


def finish_transactions(container, worker_ctx, exc_info):
    """Commit or roll back every Database of the worker; a failed commit
    becomes the worker's error."""
    for dep in container.dependencies:
        if isinstance(dep, Database):
            error = dep.finish(worker_ctx, failed=exc_info is not None)
            if error is not None and exc_info is None:
                exc_info = (type(error), error, error.__traceback__)
    return exc_info
