"""What a declaration holds: its saved sections and its attachments, as the
views, the editing and 提交 read them."""
from sqlalchemy import select

from services.common.clock import iso
from services.declarations import sections
from services.declarations.models import Attachment, SectionData


def section_values(session, declaration_id):
    """{section: SectionData row} of what has been saved."""
    rows = session.execute(select(SectionData).where(SectionData.declaration_id == declaration_id)).scalars()
    return {row.key: row for row in rows}


def with_defaults(saved):
    """{section: data} of saved rows, the list sections as lists (empty when
    unsaved), the others as dicts."""
    return {
        key: (saved[key].data if key in saved else ([] if key in sections.LIST_SECTIONS else {}))
        for key in sections.SCHEMAS
    }


def section_data(session, declaration_id):
    """{section: data} with the list sections as lists (empty when unsaved)."""
    return with_defaults(section_values(session, declaration_id))


def attachments_of(session, declaration_id):
    rows = session.execute(
        select(Attachment).where(Attachment.declaration_id == declaration_id).order_by(Attachment.uploaded_at)
    ).scalars()
    return [attachment_dict(attachment) for attachment in rows]


def attachment_dict(attachment):
    return {
        "id": attachment.id, "category": attachment.category, "filename": attachment.filename,
        "content_type": attachment.content_type, "size": attachment.size, "sha256": attachment.sha256,
        "uploaded_at": iso(attachment.uploaded_at),
    }
