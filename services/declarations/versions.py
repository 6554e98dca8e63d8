"""Submitted versions of a declaration: the list, one version's snapshot,
and the field-by-field changes between two versions."""
from sqlalchemy import select

from services.common import contracts
from services.common.clock import iso
from services.common.errors import Forbidden, NotFound
from services.declarations import sections
from services.declarations.access import readable
from services.declarations.models import Version


def versions(session, principal, declaration_id):
    declaration = readable(session, principal, declaration_id)
    rows = session.execute(
        select(Version).where(Version.declaration_id == declaration.id).order_by(Version.version)
    ).scalars()
    return [{"version": v.version, "submitted_at": iso(v.submitted_at), "level": v.level} for v in rows]


def version(session, principal, declaration_id, number):
    declaration = readable(session, principal, declaration_id)
    v = session.get(Version, (declaration.id, int(number)))
    if v is None:
        raise NotFound("未找到该版本")
    return {"version": v.version, "submitted_at": iso(v.submitted_at), "level": v.level, "snapshot": v.snapshot}


def _flatten(snapshot):
    """{(section, row_id, field): value} of a version's sections."""
    out = {}
    for key, value in snapshot.get("sections", {}).items():
        if isinstance(value, dict):
            for field, v in value.items():
                out[(key, None, field)] = v
        else:
            for row in value or []:
                for field, v in row.items():
                    if field != "id":
                        out[(key, row.get("id"), field)] = v
    for a in snapshot.get("attachments", []):
        out[(sections.ATTACHMENTS, a["id"], "filename")] = f'{a["category"]}：{a["filename"]}'
    for field, v in (snapshot.get("tenant_totals") or {}).items():
        out[(sections.TENANTS, None, field)] = v
    return out


def _field_label(section, field):
    schema = sections.SCHEMAS.get(section)
    if schema and field in schema.by_key:
        return schema.by_key[field].label
    if section == sections.ATTACHMENTS:
        return "文件"
    return field


def diff(session, principal, declaration_id, from_version, to_version):
    """Field by field: [{section, section_label, row, field, label, before, after}]."""
    if not (principal.is_reviewer or principal.is_admin or principal.is_enterprise):
        raise Forbidden("无权查看")
    before = _flatten(version(session, principal, declaration_id, from_version)["snapshot"])
    after = _flatten(version(session, principal, declaration_id, to_version)["snapshot"])
    order = {key: i for i, key in enumerate(sections.ORDER)}
    changes = []
    for key in sorted(set(before) | set(after), key=lambda k: (order.get(k[0], 99), k[1] or "", k[2])):
        if before.get(key) != after.get(key):
            section, row, field = key
            changes.append({
                "section": section, "section_label": contracts.SECTIONS.get(section, section), "row": row,
                "field": field, "label": _field_label(section, field),
                "before": before.get(key), "after": after.get(key),
            })
    return changes
