"""tenants: per-minute request counters of the anonymous intake RPCs

Revision ID: tenants_0002
Revises: tenants_0001
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "tenants_0002"
down_revision = "tenants_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "intake_rate_counters",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("key", "window_start", name="pk_intake_rate_counters"),
    )
    op.create_index("ix_intake_rate_counters_window_start", "intake_rate_counters", ["window_start"])


def downgrade():
    op.drop_index("ix_intake_rate_counters_window_start", "intake_rate_counters")
    op.drop_table("intake_rate_counters")
