"""tenants: the personal-data notice a tenant entry was submitted under

Revision ID: tenants_0004
Revises: tenants_0003
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "tenants_0004"
down_revision = "tenants_0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tenant_entries") as batch:
        batch.add_column(sa.Column("notice_version", sa.String(20)))
        batch.add_column(sa.Column("notice_shown_at", sa.DateTime(timezone=True)))


def downgrade():
    with op.batch_alter_table("tenant_entries") as batch:
        batch.drop_column("notice_shown_at")
        batch.drop_column("notice_version")
