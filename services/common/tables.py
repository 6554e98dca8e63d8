"""Tables every service keeps in its own database (created by the `common`
migration branch, applied with each service's migrations)."""
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from sqlalchemy.dialects import postgresql, sqlite

from services.common.naming import NAMING

metadata = MetaData(naming_convention=NAMING)

# Events written in the business transaction, published after commit.
outbox_events = Table(
    "outbox_events",
    metadata,
    Column("id", String(36), primary_key=True),  # the envelope's event_id
    Column("source", String(40), nullable=False),
    Column("event_type", String(80), nullable=False),
    Column("payload", JSON, nullable=False),  # the whole envelope
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
)

# Events a handler has done, written in the same transaction as its work: a
# redelivered event finds its row and is not handled again.
processed_events = Table(
    "processed_events",
    metadata,
    Column("handler", String(200), primary_key=True),  # the consumer queue
    Column("event_id", String(64), primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False, index=True),
)

# Messages whose handler failed: retried from here with a growing delay, and
# parked (parked_at set) after the last try, until an admin replays them.
failed_events = Table(
    "failed_events",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("handler", String(200), nullable=False),  # the consumer queue
    Column("event_id", String(64)),  # None when the envelope was malformed
    Column("body", Text, nullable=False),  # the message body as received (JSON)
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("next_attempt_at", DateTime(timezone=True), index=True),
    Column("parked_at", DateTime(timezone=True), index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("handler", "event_id"),
)

# Results of mutating RPCs called with an idempotency key: a repeat with the
# same key (same principal, same method) gets the stored result back.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("principal", String(200), primary_key=True),  # "<kind>:<id>"
    Column("method", String(200), primary_key=True),  # "<service>.<method>"
    Column("key", String(200), primary_key=True),
    Column("result", JSON),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)

# 操作日志: what staff did in this service (who, what, on what, before and
# after), written in the transaction of the change; kept LOG_KEEP_DAYS
# (services.common.operation_log).
operation_log = Table(
    "operation_log",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor_kind", String(20), nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("action", String(60), nullable=False),
    Column("target_id", String(64)),
    Column("target", String(300)),
    Column("before", JSON),
    Column("after", JSON),
    Index("ix_operation_log_at_id", "at", "id"),
    Index("ix_operation_log_actor_at", "actor_id", "at"),
)


# What retention housekeeping and requests (export, deletion) did with
# personal data: counts per category, never the data itself.
personal_data_log = Table(
    "personal_data_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("category", String(30), nullable=False),  # services.common.personal_data.CATEGORIES
    Column("action", String(20), nullable=False),  # deleted, anonymised, exported
    Column("count", Integer, nullable=False),
    Column("reason", String(20), nullable=False),  # retention, request
    Column("actor_kind", String(20)),  # an admin's request; None for housekeeping
    Column("actor_id", String(64)),
    Column("subject_id", String(64)),  # the enterprise of a request
)


def insert_ignore(conn, table, values):
    """INSERT ... ON CONFLICT DO NOTHING; True when the row was inserted.

    On PostgreSQL a concurrent transaction that inserted the same key first
    makes this wait for it: False when it committed, True (inserted) when it
    rolled back. The transaction stays usable either way."""
    dialect = conn.get_bind().dialect.name if hasattr(conn, "get_bind") else conn.dialect.name
    if dialect == "postgresql":
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:  # pragma: no cover - only the two databases above are supported
        raise ValueError(f"unsupported database: {dialect}")
    result = conn.execute(insert(table).values(**values).on_conflict_do_nothing())
    return result.rowcount == 1


def skip_locked(query, engine):
    """`query` claiming its rows FOR UPDATE SKIP LOCKED on PostgreSQL, so that
    the replicas of a service running the same sweep share the rows instead
    of doing each twice or waiting on each other."""
    if engine.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query
