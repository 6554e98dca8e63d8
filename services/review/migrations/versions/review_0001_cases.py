"""review: cases (read model of submitted declarations), audit trail, notes

Revision ID: review_0001
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "review_0001"
down_revision = None
branch_labels = ("review",)
depends_on = None


def upgrade():
    op.create_table(
        "review_cases",
        sa.Column("declaration_id", sa.String(64), primary_key=True),
        sa.Column("enterprise_id", sa.String(64), nullable=False),
        sa.Column("batch_id", sa.String(64)),
        sa.Column("batch_name", sa.String(200)),
        sa.Column("base_name", sa.String(200)),
        sa.Column("enterprise_name", sa.String(200)),
        sa.Column("credit_code", sa.String(18)),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("city_code", sa.String(6)),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("level", sa.String(10)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
        sa.Column("resubmission", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("returned_version", sa.Integer),
        sa.Column("submitted_at", sa.DateTime(timezone=True)),
        sa.Column("first_submitted_at", sa.DateTime(timezone=True)),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("batch_id", "base_name", "credit_code", "region_code", "city_code", "state", "submitted_at"):
        op.create_index(f"ix_review_cases_{column}", "review_cases", [column])

    op.create_table(
        "review_actions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("declaration_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("level", sa.String(10)),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("actor_region", sa.String(6)),
        sa.Column("from_state", sa.String(20)),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("sections", sa.JSON),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_review_actions_declaration_id", "review_actions", ["declaration_id"])
    op.create_index("ix_review_actions_actor_id", "review_actions", ["actor_id"])

    op.create_table(
        "review_notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("declaration_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("step", sa.String(20), nullable=False),
        sa.Column("noted_on", sa.Date, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_review_notes_declaration_id", "review_notes", ["declaration_id"])


def downgrade():
    op.drop_table("review_notes")
    op.drop_table("review_actions")
    op.drop_table("review_cases")
