"""declarations tables: batches, declarations, sections, attachments,
transitions, versions

Revision ID: declarations_0001
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "declarations_0001"
down_revision = None
branch_labels = ("declarations",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "batches",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("opens_at", TS, nullable=False),
        sa.Column("closes_at", TS, nullable=False),
        sa.Column("resubmit_until", TS, nullable=False),
        sa.Column("notice", sa.Text, nullable=False),
        sa.Column("thresholds", sa.JSON, nullable=False),
        sa.Column("thresholds_block", sa.Boolean, nullable=False),
        sa.Column("required_attachments", sa.JSON, nullable=False),
        sa.Column("max_attachment_mb", sa.Integer, nullable=False),
        sa.Column("demo", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "declarations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("batch_id", sa.String(36), sa.ForeignKey("batches.id", name="fk_declarations_batch_id_batches"), nullable=False),
        sa.Column("enterprise_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(30), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("seen_regions", sa.JSON, nullable=False),
        sa.Column("reference", sa.String(40), unique=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("level", sa.String(20)),
        sa.Column("return_level", sa.String(20)),
        sa.Column("return_reason", sa.Text),
        sa.Column("return_sections", sa.JSON, nullable=False),
        sa.Column("returned_at", TS),
        sa.Column("problems", sa.JSON, nullable=False),
        sa.Column("accepted_at", TS, nullable=False),
        sa.Column("submitted_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("batch_id", "enterprise_id", name="uq_declarations_batch_id"),
    )
    for col in ("batch_id", "enterprise_id", "state", "region_code"):
        op.create_index(f"ix_declarations_{col}", "declarations", [col])
    op.create_table(
        "sections",
        sa.Column("declaration_id", sa.String(36), sa.ForeignKey("declarations.id", name="fk_sections_declaration_id_declarations"), primary_key=True),
        sa.Column("key", sa.String(30), primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("declaration_id", sa.String(36), sa.ForeignKey("declarations.id", name="fk_attachments_declaration_id_declarations"), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(60), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("blob_key", sa.String(200), nullable=False),
        sa.Column("uploaded_at", TS, nullable=False),
    )
    op.create_index("ix_attachments_declaration_id", "attachments", ["declaration_id"])
    op.create_table(
        "transitions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("declaration_id", sa.String(36), sa.ForeignKey("declarations.id", name="fk_transitions_declaration_id_declarations"), nullable=False),
        sa.Column("from_state", sa.String(30)),
        sa.Column("to_state", sa.String(30), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("level", sa.String(20)),
        sa.Column("reason", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_transitions_declaration_id", "transitions", ["declaration_id"])
    op.create_table(
        "versions",
        sa.Column("declaration_id", sa.String(36), sa.ForeignKey("declarations.id", name="fk_versions_declaration_id_declarations"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("snapshot", sa.JSON, nullable=False),
    )


def downgrade():
    for table in ("versions", "transitions", "attachments", "sections", "declarations", "batches"):
        op.drop_table(table)
