"""declarations: sequences by which the state is ordered against review's

`sequence` counts declarations' own changes of a declaration's state (sent to
tenants with every declaration_started / declaration_changed);
`review_sequence` is the newest review sequence (review's case revision)
applied; a transition remembers the review sequence it came from.

Revision ID: declarations_0004
Revises: declarations_0003
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "declarations_0004"
down_revision = "declarations_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("declarations", sa.Column("sequence", sa.Integer, nullable=False, server_default="0"))
    op.add_column("declarations", sa.Column("review_sequence", sa.Integer, nullable=False, server_default="0"))
    op.add_column("transitions", sa.Column("review_sequence", sa.Integer))
    op.create_index(
        "ix_transitions_declaration_id_review_sequence", "transitions", ["declaration_id", "review_sequence"]
    )


def downgrade():
    op.drop_index("ix_transitions_declaration_id_review_sequence", "transitions")
    op.drop_column("transitions", "review_sequence")
    op.drop_column("declarations", "review_sequence")
    op.drop_column("declarations", "sequence")
