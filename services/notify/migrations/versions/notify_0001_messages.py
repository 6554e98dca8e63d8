"""notify: messages, phone locks, development outbox

Revision ID: notify_0001
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0001"
down_revision = None
branch_labels = ("notify",)
depends_on = None


def upgrade():
    op.create_table(
        "messages",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("event_id", sa.String(64)),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("template", sa.String(60), nullable=False),
        sa.Column("template_code", sa.String(60)),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("maybe_sent", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column("provider", sa.String(20)),
        sa.Column("provider_reference", sa.String(200)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sending_since", sa.DateTime(timezone=True)),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.UniqueConstraint("dedupe_key", name="uq_messages_dedupe_key"),
    )
    op.create_index("ix_messages_phone", "messages", ["phone"])
    op.create_index("ix_messages_state", "messages", ["state"])
    op.create_index("ix_messages_next_attempt_at", "messages", ["next_attempt_at"])
    op.create_index("ix_messages_created_at", "messages", ["created_at"])
    op.create_table(
        "phone_locks",
        sa.Column("phone", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("phone", name="pk_phone_locks"),
    )
    op.create_table(
        "dev_outbox",
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_dev_outbox"),
    )
    op.create_index("ix_dev_outbox_phone", "dev_outbox", ["phone"])
    op.create_index("ix_dev_outbox_created_at", "dev_outbox", ["created_at"])


def downgrade():
    op.drop_table("dev_outbox")
    op.drop_table("phone_locks")
    op.drop_table("messages")
