"""common tables: operation_log (操作日志) of the staff actions in each service

Revision ID: common_0005
Revises: common_0004
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "common_0005"
down_revision = "common_0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "operation_log",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("target_id", sa.String(64)),
        sa.Column("target", sa.String(300)),
        sa.Column("before", sa.JSON),
        sa.Column("after", sa.JSON),
    )
    op.create_index("ix_operation_log_at_id", "operation_log", ["at", "id"])
    op.create_index("ix_operation_log_actor_at", "operation_log", ["actor_id", "at"])


def downgrade():
    op.drop_index("ix_operation_log_actor_at", table_name="operation_log")
    op.drop_index("ix_operation_log_at_id", table_name="operation_log")
    op.drop_table("operation_log")
