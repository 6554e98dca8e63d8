"""declarations: the printed 申请表 of each submitted version (PDF in the blob
store, the hash of its verification id, the content digest)

Revision ID: declarations_0002
Revises: declarations_0001
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "declarations_0002"
down_revision = "declarations_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "printed_versions",
        sa.Column("declaration_id", sa.String(36), sa.ForeignKey("declarations.id", name="fk_printed_versions_declaration_id_declarations"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("verify_hash", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("blob_key", sa.String(200), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("declaration_id", "version", name="pk_printed_versions"),
        sa.UniqueConstraint("verify_hash", name="uq_printed_versions_verify_hash"),
    )


def downgrade():
    op.drop_table("printed_versions")
