"""accounts: a staff member's phone, verified by an SMS code (the daily digest of an office)

Revision ID: accounts_0007_staff_phone
Revises: accounts_0006
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "accounts_0007_staff_phone"
down_revision = "accounts_0006"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("accounts", sa.Column("phone", sa.String(11)))
    op.add_column("accounts", sa.Column("phone_verified_at", sa.DateTime(timezone=True)))


def downgrade():
    op.drop_column("accounts", "phone_verified_at")
    op.drop_column("accounts", "phone")
