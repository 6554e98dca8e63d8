"""tenants: its own copy of each declaration (owner, region, state, version,
applied by declarations' sequence) and the hold of intake during 提交

Revision ID: tenants_0006
Revises: tenants_0005
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "tenants_0006"
down_revision = "tenants_0005"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("intake_links", sa.Column("state", sa.String(30)))
    op.add_column("intake_links", sa.Column("region_code", sa.String(6)))
    op.add_column("intake_links", sa.Column("version", sa.Integer, nullable=False, server_default="0"))
    op.add_column("intake_links", sa.Column("sequence", sa.Integer, nullable=False, server_default="0"))
    op.add_column("intake_links", sa.Column("held_until", sa.DateTime(timezone=True)))


def downgrade():
    for column in ("held_until", "sequence", "version", "region_code", "state"):
        op.drop_column("intake_links", column)
