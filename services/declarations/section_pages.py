"""What one section page of the portal reads, sized for that page: the
declaration's state and whether it may be changed (with the deadlines and a
return's reason), and that one section's values, rows or files; not the
whole declaration."""
from services.common import contracts
from services.common.clock import iso
from services.common.errors import NotFound
from services.declarations import lifecycle, prefill, sections
from services.declarations.views import deadline_dict
from services.declarations.access import owned
from services.declarations.contents import attachments_of
from services.declarations.editing import PREFILL_KEY
from services.declarations.models import Batch, SectionData

PAGES = (*sections.SCHEMAS, sections.ATTACHMENTS)


def _head(declaration, batch):
    returned = declaration.state == contracts.RETURNED
    return {
        "id": declaration.id,
        "state": declaration.state,
        "state_label": contracts.STATE_LABELS[declaration.state],
        "editable": lifecycle.editable(declaration, batch),
        "reference": declaration.reference,
        "closes_at": iso(batch.closes_at) if batch else None,
        "resubmit_until": iso(batch.resubmit_until) if batch else None,
        "return_reason": declaration.return_reason if returned else None,
        "return_sections": list(declaration.return_sections or []) if returned else [],
        "description_hash": sections.description()["hash"],
        **deadline_dict(declaration, batch),
    }


def _carried(session, declaration, out):
    """Whether this page's section was carried over from the last declaration
    (复核) and is still to be checked and saved."""
    out["carried_over"] = [key for key in prefill.carried(session, declaration.id) if key == out["section"]]
    out["carried_notice"] = prefill.NOTICE


def _application(session, declaration, out):
    saved = session.get(SectionData, (declaration.id, sections.APPLICATION))
    if saved is not None:
        out["values"], out["prefilled"] = dict(saved.data), []
    elif declaration.state in lifecycle.EDITABLE:  # what 开始申报 knew, shown until saved
        prefill = session.get(SectionData, (declaration.id, PREFILL_KEY))
        out["values"] = dict(prefill.data) if prefill else {}
        out["prefilled"] = sorted(out["values"])
    else:
        out["values"], out["prefilled"] = {}, []


def section_view(session, principal, declaration_id, section):
    """The page of `section` for the declaration's owner: the head (_head)
    and the section's `values` (申请表, with `prefilled`), `rows` (a list
    section) or `attachments` with the batch's `max_attachment_mb` and
    `required_attachments` (附件)."""
    if section not in PAGES:
        raise NotFound("没有这一部分")
    declaration = owned(session, principal, declaration_id)
    batch = session.get(Batch, declaration.batch_id)
    out = _head(declaration, batch)
    out["section"] = section
    _carried(session, declaration, out)
    if section == sections.APPLICATION:
        _application(session, declaration, out)
    elif section == sections.ATTACHMENTS:
        out["attachments"] = attachments_of(session, declaration.id)
        out["max_attachment_mb"] = batch.max_attachment_mb
        out["required_attachments"] = list(batch.required_attachments or [])
    else:
        saved = session.get(SectionData, (declaration.id, section))
        out["rows"] = list(saved.data) if saved is not None else []
    return out
