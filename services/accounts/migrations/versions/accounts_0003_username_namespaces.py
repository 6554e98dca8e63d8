"""accounts: enterprise and staff usernames in separate namespaces; login
failures keyed by namespace; the addresses an account usually logs in from

Revision ID: accounts_0003
Revises: accounts_0002
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "accounts_0003"
down_revision = "accounts_0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("namespace", sa.String(20), nullable=False, server_default="enterprise"))
    op.execute("UPDATE accounts SET namespace = 'staff' WHERE kind IN ('reviewer', 'admin')")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint("uq_accounts_username", type_="unique")
        batch.create_unique_constraint("uq_accounts_namespace", ["namespace", "username"])
    with op.batch_alter_table("login_failures") as batch:
        batch.add_column(sa.Column("namespace", sa.String(20), nullable=False, server_default="enterprise"))
    op.drop_index("ix_login_failures_username_at", "login_failures")
    op.create_index("ix_login_failures_namespace_username_at", "login_failures", ["namespace", "username", "at"])
    op.create_table(
        "login_addresses",
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.id", name="fk_login_addresses_account_id_accounts"),
                  primary_key=True),
        sa.Column("ip", sa.String(64), primary_key=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_addresses_last_login_at", "login_addresses", ["last_login_at"])


def downgrade():
    op.drop_table("login_addresses")
    op.drop_index("ix_login_failures_namespace_username_at", "login_failures")
    op.create_index("ix_login_failures_username_at", "login_failures", ["username", "at"])
    with op.batch_alter_table("login_failures") as batch:
        batch.drop_column("namespace")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint("uq_accounts_namespace", type_="unique")
        batch.create_unique_constraint("uq_accounts_username", ["username"])
        batch.drop_column("namespace")
