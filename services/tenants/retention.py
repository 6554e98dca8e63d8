"""Tenant entries go with their declaration's personal data: when the
declarations service erases a declaration (past retention, or on its
enterprise's request) it emits `declaration_erased`, and the entries, the
unfinished drafts and the intake link of that declaration are deleted here.
The count is recorded in the service's personal_data_log."""
from sqlalchemy import delete

from services.common import personal_data
from services.tenants.models import IntakeDraft, IntakeLink, TenantEntry


def erase_declaration(session, declaration_id, reason=personal_data.RETENTION):
    """Returns how many tenant entries went."""
    entries = session.execute(delete(TenantEntry).where(TenantEntry.declaration_id == declaration_id)).rowcount
    session.execute(delete(IntakeDraft).where(IntakeDraft.declaration_id == declaration_id))
    session.execute(delete(IntakeLink).where(IntakeLink.declaration_id == declaration_id))
    if reason not in (personal_data.RETENTION, personal_data.REQUEST):
        reason = personal_data.RETENTION
    personal_data.record(session, "tenant", personal_data.DELETED, entries, reason=reason,
              subject_id=declaration_id if reason == personal_data.REQUEST else None)
    return entries
