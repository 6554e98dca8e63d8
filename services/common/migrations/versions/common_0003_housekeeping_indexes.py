"""common tables: indexes the housekeeping deletes by age with

Revision ID: common_0003
Revises: common_0002
Create Date: 2026-11-28
"""
from alembic import op

revision = "common_0003"
down_revision = "common_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_processed_events_processed_at", "processed_events", ["processed_at"])
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def downgrade():
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_index("ix_processed_events_processed_at", table_name="processed_events")
