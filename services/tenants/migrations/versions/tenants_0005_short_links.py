"""tenants: short ids of intake links (the QR code encodes /q/<id>)

Revision ID: tenants_0005
Revises: tenants_0004
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "tenants_0005"
down_revision = "tenants_0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "intake_short_links",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("declaration_id", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_intake_short_links"),
    )
    op.create_index("ix_intake_short_links_declaration_id", "intake_short_links", ["declaration_id"])


def downgrade():
    op.drop_index("ix_intake_short_links_declaration_id", "intake_short_links")
    op.drop_table("intake_short_links")
