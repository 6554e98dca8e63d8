"""review: the working-day calendar's exceptions (节假日 and 调休)

Revision ID: review_0003
Revises: review_0002
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "review_0003"
down_revision = "review_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("note", sa.String(60)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )


def downgrade():
    op.drop_table("calendar_days")
