"""The read model's intake: `declaration_submitted` opens a case, or reopens
it at the level the event names (a resubmission after 退回 or 撤回)."""
import datetime as dt

from services.common import clock, regions
from services.common import contracts
from services.review import labels
from services.review.models import ReviewAction, ReviewCase


class InvalidSubmission(ValueError):
    """A `declaration_submitted` whose data cannot be used (the handler's
    retry and parking deal with it)."""


def parse_time(value):
    """An aware UTC datetime from what an event carries (ISO 8601 or a
    datetime), or None when there is none or it does not parse."""
    if isinstance(value, dt.datetime):
        return clock.utc(value)
    if not value:
        return None
    try:
        return clock.utc(dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        return None


def text(value, limit):
    return (str(value).strip()[:limit]) if value not in (None, "") else None


def publicity_required(summary):
    """Whether the batch puts its recognised bases under 公示 before 认定:
    the summary's `publicity_required` when declarations sends it, else
    required."""
    value = summary.get("publicity_required", True)
    return value is not False and str(value).lower() not in ("false", "0", "no")


def _identity(data):
    try:
        identity = (str(data["declaration_id"]), str(data["enterprise_id"]), data["level"], int(data["version"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidSubmission(f"declaration_submitted without a usable {exc}") from exc
    if identity[2] not in contracts.LEVELS:
        raise InvalidSubmission(f"declaration_submitted names an unknown level {identity[2]!r}")
    return identity


def _is_news(case, version, resubmission):
    """A first submission, a newer version, or the same version sent again
    after 退回 or 撤回; anything else is a redelivery or overtaken."""
    if case is None or version > case.version:
        return True
    return version == case.version and resubmission and case.state in labels.REOPENABLE_STATES


def _fields(data, summary, enterprise_id, region_code, level, version, submitted_at, now):
    return dict(
        enterprise_id=enterprise_id,
        batch_id=text(summary.get("batch_id"), 64),
        batch_name=text(summary.get("batch_name"), 200),
        base_name=text(summary.get("base_name"), 200),
        enterprise_name=text(summary.get("enterprise_name"), 200),
        credit_code=text(summary.get("credit_code"), 18),
        region_code=region_code[:6],
        city_code=regions.city_of(region_code),
        state=contracts.PENDING_STATE_OF_LEVEL[level],
        level=level,
        version=version,
        resubmission=bool(data.get("resubmission")),
        submitted_at=submitted_at,
        summary=summary,
        updated_at=now,
        acted_at=None,
        publicity_required=publicity_required(summary),
    )


def receive_submission(session, data, occurred_at=None):
    """Create or reopen the case of a submitted declaration.

    A first submission opens the case at the level the event names; a
    resubmission updates the read model and reopens the case there. An event
    older than what the case already holds (a redelivery, or overtaken by a
    later version) changes nothing. Returns the case, or None when ignored.
    """
    declaration_id, enterprise_id, level, version = _identity(data)
    summary = dict(data.get("summary") or {})
    region_code = str(data.get("region_code") or summary.get("region_code") or "")
    if not region_code:
        raise InvalidSubmission("declaration_submitted without a region_code")
    now = clock.utcnow()
    submitted_at = parse_time(summary.get("submitted_at")) or parse_time(occurred_at) or now

    case = session.get(ReviewCase, declaration_id, with_for_update=True)
    if not _is_news(case, version, bool(data.get("resubmission"))):
        return None
    fields = _fields(data, summary, enterprise_id, region_code, level, version, submitted_at, now)
    from_state = None
    if case is None:
        case = ReviewCase(declaration_id=declaration_id, revision=1, first_submitted_at=submitted_at, **fields)
        session.add(case)
    else:
        from_state = case.state
        for key, value in fields.items():
            setattr(case, key, value)
        case.revision = case.revision + 1
    session.add(ReviewAction(
        declaration_id=declaration_id, version=version,
        action=labels.RESUBMITTED if fields["resubmission"] else labels.SUBMITTED,
        level=None, actor_kind=contracts.ENTERPRISE, actor_id=enterprise_id, actor_region=region_code[:6],
        from_state=from_state, to_state=fields["state"], created_at=submitted_at,
    ))
    session.flush()
    return case
