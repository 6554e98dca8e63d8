"""declarations: a batch's own review allowance per level

`review_due_working_days`: the working days one level may take with a case
of the batch before review marks it 超期 (NULL: review's default).

Revision ID: declarations_0006
Revises: declarations_0005
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "declarations_0006"
down_revision = "declarations_0005"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("batches", sa.Column("review_due_working_days", sa.Integer))


def downgrade():
    op.drop_column("batches", "review_due_working_days")
