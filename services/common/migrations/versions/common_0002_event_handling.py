"""common tables: processed and failed events, idempotency keys

Revision ID: common_0002
Revises: common_0001
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "common_0002"
down_revision = "common_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "processed_events",
        sa.Column("handler", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("handler", "event_id", name="pk_processed_events"),
    )
    op.create_table(
        "failed_events",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("handler", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(64)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("parked_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_failed_events"),
        sa.UniqueConstraint("handler", "event_id", name="uq_failed_events_handler"),
    )
    op.create_index("ix_failed_events_next_attempt_at", "failed_events", ["next_attempt_at"])
    op.create_index("ix_failed_events_parked_at", "failed_events", ["parked_at"])
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.String(200), nullable=False),
        sa.Column("method", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("result", sa.JSON),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("principal", "method", "key", name="pk_idempotency_keys"),
    )


def downgrade():
    op.drop_table("idempotency_keys")
    op.drop_table("failed_events")
    op.drop_table("processed_events")
