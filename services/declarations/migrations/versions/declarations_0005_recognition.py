"""declarations: 公示 and 认定 of a declaration, 复核 carried over, expiry reminders

A batch says whether its bases go under 公示 before 认定 (`publicity_required`).
A declaration keeps the period of its 公示 and, once 认定, the 认定文号, the
证书编号 and the validity review gave it. `recognition_reminders` records each
expiry SMS sent (one per declaration and number of days before the end).

Revision ID: declarations_0005
Revises: declarations_0004
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "declarations_0005"
down_revision = "declarations_0004"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("batches", sa.Column("publicity_required", sa.Boolean, nullable=False, server_default=sa.true()))
    op.add_column("declarations", sa.Column("publicity_title", sa.String(200)))
    op.add_column("declarations", sa.Column("publicity_starts_on", sa.Date))
    op.add_column("declarations", sa.Column("publicity_ends_on", sa.Date))
    op.add_column("declarations", sa.Column("document_number", sa.String(100)))
    op.add_column("declarations", sa.Column("certificate_number", sa.String(100)))
    op.add_column("declarations", sa.Column("valid_from", sa.Date))
    op.add_column("declarations", sa.Column("valid_until", sa.Date, index=True))
    # the printed 认定证书: its QR code's id (SHA-256 only) and the PDF in the blob store
    op.add_column("declarations", sa.Column("certificate_verify_hash", sa.String(64), unique=True))
    op.add_column("declarations", sa.Column("certificate_blob_key", sa.String(200)))
    op.add_column("declarations", sa.Column("certificate_size", sa.Integer))
    op.add_column("declarations", sa.Column("certificate_sha256", sa.String(64)))
    op.create_table(
        "recognition_reminders",
        sa.Column("declaration_id", sa.String(36), sa.ForeignKey("declarations.id"), primary_key=True),
        sa.Column("days", sa.Integer, primary_key=True),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("recognition_reminders")
    for column in ("certificate_sha256", "certificate_size", "certificate_blob_key", "certificate_verify_hash",
                   "valid_until", "valid_from", "certificate_number", "document_number",
                   "publicity_ends_on", "publicity_starts_on", "publicity_title"):
        op.drop_column("declarations", column)
    op.drop_column("batches", "publicity_required")
