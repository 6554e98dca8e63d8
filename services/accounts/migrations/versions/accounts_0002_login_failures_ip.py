"""accounts: index login failures by address (the per-address login limit)

Revision ID: accounts_0002
Revises: accounts_0001
Create Date: 2026-11-28
"""
from alembic import op

revision = "accounts_0002"
down_revision = "accounts_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_login_failures_ip_at", "login_failures", ["ip", "at"])


def downgrade():
    op.drop_index("ix_login_failures_ip_at", "login_failures")
