"""common tables: the personal-data log (what retention and requests deleted, in counts)

Revision ID: common_0004
Revises: common_0003
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "common_0004"
down_revision = "common_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "personal_data_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("actor_kind", sa.String(20)),
        sa.Column("actor_id", sa.String(64)),
        sa.Column("subject_id", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name="pk_personal_data_log"),
    )
    op.create_index("ix_personal_data_log_at", "personal_data_log", ["at"])


def downgrade():
    op.drop_index("ix_personal_data_log_at", table_name="personal_data_log")
    op.drop_table("personal_data_log")
