"""common tables: leases of scheduled jobs (services.common.leases)

Revision ID: common_0006
Revises: common_0005
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "common_0006"
down_revision = "common_0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "leases",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("holder", sa.String(200)),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True)),
    )


def downgrade():
    op.drop_table("leases")
