"""accounts: login_log (登录日志) of every login attempt, portal and console

Revision ID: accounts_0005
Revises: accounts_0004
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "accounts_0005"
down_revision = "accounts_0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(40), nullable=False),
        sa.Column("account_id", sa.String(36)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("address", sa.String(64)),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("detail", sa.String(200)),
    )
    op.create_index("ix_login_log_at", "login_log", ["at"])
    op.create_index("ix_login_log_username_at", "login_log", ["username", "at"])


def downgrade():
    op.drop_index("ix_login_log_username_at", table_name="login_log")
    op.drop_index("ix_login_log_at", table_name="login_log")
    op.drop_table("login_log")
