"""tenants: intake links, tenant entries, drafts

Revision ID: tenants_0001
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "tenants_0001"
down_revision = None
branch_labels = ("tenants",)
depends_on = None


def upgrade():
    op.create_table(
        "intake_links",
        sa.Column("declaration_id", sa.String(64), primary_key=True),
        sa.Column("enterprise_id", sa.String(64), nullable=False),
        sa.Column("base_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("serial", sa.Integer, nullable=False, server_default="0"),
        sa.Column("nonce", sa.String(32)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("intake_closed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("declaration_id", name="pk_intake_links"),
    )
    op.create_table(
        "tenant_entries",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("declaration_id", sa.String(64), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("company_name", sa.String(200), nullable=False),
        sa.Column("size", sa.String(10), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("device_id", sa.String(64)),
        sa.Column("submissions", sa.Integer, nullable=False, server_default="1"),
        sa.Column("first_submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reopened_at", sa.DateTime(timezone=True)),
        sa.Column("excluded_at", sa.DateTime(timezone=True)),
        sa.Column("excluded_reason", sa.Text),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenant_entries"),
        sa.UniqueConstraint("declaration_id", "credit_code", name="uq_tenant_entries_declaration_id"),
    )
    op.create_index("ix_tenant_entries_declaration_id", "tenant_entries", ["declaration_id"])
    op.create_table(
        "intake_drafts",
        sa.Column("declaration_id", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("entry_id", sa.String(36)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("declaration_id", "device_id", name="pk_intake_drafts"),
    )


def downgrade():
    op.drop_table("intake_drafts")
    op.drop_index("ix_tenant_entries_declaration_id", "tenant_entries")
    op.drop_table("tenant_entries")
    op.drop_table("intake_links")
