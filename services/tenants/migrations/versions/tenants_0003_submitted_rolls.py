"""tenants: 入驻企业名单 as submitted, one per submitted version

Revision ID: tenants_0003
Revises: tenants_0002
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "tenants_0003"
down_revision = "tenants_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "submitted_rolls",
        sa.Column("declaration_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("enterprise_id", sa.String(64), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("entries", sa.JSON, nullable=False),
        sa.Column("totals", sa.JSON, nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("declaration_id", "version", name="pk_submitted_rolls"),
    )


def downgrade():
    op.drop_table("submitted_rolls")
