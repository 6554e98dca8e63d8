"""accounts: staff's second factor (TOTP secret, recovery codes, pending logins)

Revision ID: accounts_0004
Revises: accounts_0003
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "accounts_0004"
down_revision = "accounts_0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("totp_secret", sa.Text()))
        batch.add_column(sa.Column("totp_pending_secret", sa.Text()))
        batch.add_column(sa.Column("totp_enrolled_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("totp_last_step", sa.Integer()))
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.id", name="fk_recovery_codes_account_id_accounts"),
                  nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_recovery_codes"),
    )
    op.create_index("ix_recovery_codes_account_id", "recovery_codes", ["account_id"])
    op.create_table(
        "login_challenges",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(36),
                  sa.ForeignKey("accounts.id", name="fk_login_challenges_account_id_accounts"), nullable=False),
        sa.Column("purpose", sa.String(10), nullable=False),
        sa.Column("ip", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("token_hash", name="pk_login_challenges"),
    )
    op.create_index("ix_login_challenges_account_id", "login_challenges", ["account_id"])


def downgrade():
    op.drop_table("login_challenges")
    op.drop_table("recovery_codes")
    with op.batch_alter_table("accounts") as batch:
        for name in ("totp_last_step", "totp_enrolled_at", "totp_pending_secret", "totp_secret"):
            batch.drop_column(name)
