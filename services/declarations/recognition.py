"""公示 and 认定 as declarations keeps them: the period of the declaration's
公示 (declaration_publicized) and the 认定文号, 证书编号 and validity of its
认定 (declaration_approved), and how the pages show them."""
import datetime as dt

from services.common import contracts

TEXT_LIMIT = 100


def _day(value):
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _text(value, limit=TEXT_LIMIT):
    return str(value or "").strip()[:limit] or None


def keep_details(declaration, event_type, data):
    """What an event of the declaration's current version tells beyond its
    state. Kept whatever order the events come in: a 公示 overtaken by its
    认定 still leaves its period, and nothing else writes these columns."""
    version = data.get("version")
    if version is not None and int(version) != declaration.version:
        return
    if event_type == contracts.DECLARATION_PUBLICIZED:
        declaration.publicity_title = _text(data.get("title"), 200)
        declaration.publicity_starts_on = _day(data.get("starts_on"))
        declaration.publicity_ends_on = _day(data.get("ends_on"))
    elif event_type == contracts.DECLARATION_APPROVED:
        declaration.document_number = _text(data.get("document_number"))
        declaration.certificate_number = _text(data.get("certificate_number"))
        declaration.valid_from = _day(data.get("valid_from"))
        declaration.valid_until = _day(data.get("valid_until"))


def _iso(day):
    return day.isoformat() if day else None


def details(declaration):
    """The 公示 and 认定 fields of the enterprise's list and 查看."""
    recognised = declaration.state == contracts.APPROVED and bool(declaration.certificate_number)
    return {
        "publicity": {
            "title": declaration.publicity_title,
            "starts_on": _iso(declaration.publicity_starts_on),
            "ends_on": _iso(declaration.publicity_ends_on),
        } if declaration.publicity_starts_on else None,
        "recognition": {
            "document_number": declaration.document_number,
            "certificate_number": declaration.certificate_number,
            "valid_from": _iso(declaration.valid_from),
            "valid_until": _iso(declaration.valid_until),
        } if recognised else None,
    }
