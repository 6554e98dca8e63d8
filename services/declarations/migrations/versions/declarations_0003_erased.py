"""declarations: when a declaration's personal data was erased

Revision ID: declarations_0003
Revises: declarations_0002
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "declarations_0003"
down_revision = "declarations_0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("declarations") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True)))


def downgrade():
    with op.batch_alter_table("declarations") as batch:
        batch.drop_column("erased_at")
