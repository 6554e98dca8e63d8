"""The hold of 提交: intake closes while the declaration is being submitted
and opens again when the submission does not go through."""
import datetime as dt

from services.common import clock
from services.tenants import access
from services.tenants.totals import compute_totals

HOLD_SECONDS = 60  # intake stays closed this long for a 提交 that neither commits nor fails


def close_intake(session, principal, declaration_id, hold_seconds=HOLD_SECONDS):
    """Hold intake closed for a 提交 and return the totals of the entries.
    The committed submission closes it for good (declaration_changed); a
    提交 that fails releases the hold (`reopen_intake`), and one that never
    says either way lets it run out."""
    link = access.closer_link(session, principal, declaration_id)
    stamp = clock.utcnow()
    if not access.is_closed(link, stamp):
        link.closed_at = stamp
    link.held_until = stamp + dt.timedelta(seconds=float(hold_seconds))
    link.updated_at = stamp
    return compute_totals(session, link.declaration_id)


def reopen_intake(session, principal, declaration_id):
    """Release the hold of a 提交 that did not go through. Intake opens only
    while the declaration is editable (tenants' copy says so)."""
    link = access.closer_link(session, principal, declaration_id)
    link.held_until = None
    link.updated_at = clock.utcnow()
    if not link.intake_closed:
        link.closed_at = None
    return {"intake_open": not access.is_closed(link)}
