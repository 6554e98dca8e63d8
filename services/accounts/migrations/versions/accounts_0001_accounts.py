"""accounts tables: accounts, enterprises, sessions, login failures, SMS codes, appeals

Revision ID: accounts_0001
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "accounts_0001"
down_revision = None
branch_labels = ("accounts",)
depends_on = None


def upgrade():
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("username", sa.String(40), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("region_code", sa.String(6)),
        sa.Column("level", sa.String(20)),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("username", name="uq_accounts_username"),
    )
    op.create_table(
        "enterprises",
        sa.Column("id", sa.String(36), sa.ForeignKey("accounts.id", name="fk_enterprises_id_accounts"), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("contact_name", sa.String(50), nullable=False),
        sa.Column("contact_phone", sa.String(11), nullable=False),
        sa.Column("licence_key", sa.String(200), nullable=False),
        sa.Column("licence_type", sa.String(40), nullable=False),
        sa.Column("licence_sha256", sa.String(64), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("credit_code", name="uq_enterprises_credit_code"),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.id", name="fk_sessions_account_id_accounts"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_sessions_account_id", "sessions", ["account_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(40), nullable=False),
        sa.Column("ip", sa.String(64)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_failures_username_at", "login_failures", ["username", "at"])
    op.create_table(
        "sms_codes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("phone", sa.String(11), nullable=False),
        sa.Column("purpose", sa.String(30), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("used_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_sms_codes_phone_created_at", "sms_codes", ["phone", "created_at"])
    op.create_index("ix_sms_codes_ip_created_at", "sms_codes", ["ip", "created_at"])
    op.create_table(
        "appeals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("enterprise_id", sa.String(36), sa.ForeignKey("accounts.id", name="fk_appeals_enterprise_id_accounts")),
        sa.Column("contact_name", sa.String(50), nullable=False),
        sa.Column("new_phone", sa.String(11), nullable=False),
        sa.Column("licence_key", sa.String(200), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True)),
        sa.Column("settled_by", sa.String(36)),
        sa.Column("settle_note", sa.Text),
    )


def downgrade():
    for table in ("appeals", "sms_codes", "login_failures", "sessions", "enterprises", "accounts"):
        op.drop_table(table)
