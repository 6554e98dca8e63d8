"""review: 撤回 (acted_at), 公示 (notices, the batch's setting), 认定 (文号,
证书编号 and its yearly counter, validity)

Revision ID: review_0002
Revises: review_0001
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "review_0002"
down_revision = "review_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("review_cases", sa.Column("acted_at", sa.DateTime(timezone=True)))
    op.add_column("review_cases", sa.Column("publicity_required", sa.Boolean, nullable=False,
                                            server_default=sa.true()))
    op.add_column("review_cases", sa.Column("publicity_id", sa.Integer))
    op.add_column("review_cases", sa.Column("document_number", sa.String(100)))
    op.add_column("review_cases", sa.Column("certificate_number", sa.String(40)))
    op.add_column("review_cases", sa.Column("valid_from", sa.Date))
    op.add_column("review_cases", sa.Column("valid_until", sa.Date))
    op.create_index("ix_review_cases_publicity_id", "review_cases", ["publicity_id"])
    op.create_index("ix_review_cases_certificate_number", "review_cases", ["certificate_number"], unique=True)
    op.create_table(
        "review_publicity",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_review_publicity_ends_on", "review_publicity", ["ends_on"])
    op.create_table(
        "review_certificate_counters",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last", sa.Integer, nullable=False),
    )


def downgrade():
    op.drop_table("review_certificate_counters")
    op.drop_index("ix_review_publicity_ends_on", table_name="review_publicity")
    op.drop_table("review_publicity")
    op.drop_index("ix_review_cases_certificate_number", table_name="review_cases")
    op.drop_index("ix_review_cases_publicity_id", table_name="review_cases")
    for column in ("valid_until", "valid_from", "certificate_number", "document_number", "publicity_id",
                   "publicity_required", "acted_at"):
        op.drop_column("review_cases", column)
