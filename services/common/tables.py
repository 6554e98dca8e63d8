"""Tables every service keeps in its own database (created by the `common`
migration branch, applied with each service's migrations)."""
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, Text

from services.common.db import NAMING

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
