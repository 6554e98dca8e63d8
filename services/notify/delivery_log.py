"""What admins see of the messages (the console's 短信记录), and the
development outbox."""
from datetime import date, timedelta

from sqlalchemy import func, select

from services.common import clock
from services.common.errors import ValidationFailed
from services.common.fields import search_term
from services.notify.models import STATE_LABELS, DevOutboxEntry, Message
from services.notify.providers import mask_phone
from services.notify.templates import LABELS

PER_PAGE = 20


def _iso(value):
    return value.isoformat() if value else None


def _day(value, field, errors):
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[field] = "日期格式应为 YYYY-MM-DD"
        return None


def message_row(m):
    return {
        "id": m.id,
        "phone": mask_phone(m.phone),
        "template": m.template,
        "template_label": LABELS.get(m.template, m.template),
        "source": m.source,
        "state": m.state,
        "state_label": STATE_LABELS.get(m.state, m.state),
        "attempts": m.attempts,
        "last_error": m.last_error,
        "created_at": _iso(m.created_at),
        "updated_at": _iso(m.updated_at),
        "sent_at": _iso(m.sent_at),
        "next_attempt_at": _iso(m.next_attempt_at),
    }


def list_messages(session, filters=None, page=1, per_page=PER_PAGE):
    """A page of messages, newest first. Filters: phone (the whole number),
    state, template, source, date_from / date_to (YYYY-MM-DD, Beijing time)."""
    filters = filters or {}
    errors = {}
    query = select(Message)
    phone = search_term(filters.get("phone"), 20)
    if phone:
        query = query.where(Message.phone == phone)
    state = search_term(filters.get("state"), 20)
    if state:
        if state not in STATE_LABELS:
            errors["state"] = "未知的状态"
        query = query.where(Message.state == state)
    template = search_term(filters.get("template"), 60)
    if template:
        if template not in LABELS:
            errors["template"] = "未知的短信模板"
        query = query.where(Message.template == template)
    source = search_term(filters.get("source"), 40)
    if source:
        query = query.where(Message.source == source)
    day_from = _day(filters.get("date_from"), "date_from", errors)
    day_to = _day(filters.get("date_to"), "date_to", errors)
    if errors:
        raise ValidationFailed("筛选条件有误", errors)
    if day_from:
        query = query.where(Message.created_at >= clock.day_start(day_from))
    if day_to:
        query = query.where(Message.created_at < clock.day_start(day_to + timedelta(days=1)))
    try:
        page = max(int(page or 1), 1)
    except (TypeError, ValueError):
        page = 1
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(
        query.order_by(Message.created_at.desc(), Message.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return {
        "items": [message_row(m) for m in rows],
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": max((total + per_page - 1) // per_page, 1),
    }


def dev_outbox(session, phone=None, limit=100):
    """The newest messages the console provider wrote (development only)."""
    query = select(DevOutboxEntry).order_by(DevOutboxEntry.created_at.desc()).limit(limit)
    if phone:
        query = query.where(DevOutboxEntry.phone == str(phone).strip())
    return [
        {"message_id": e.message_id, "phone": e.phone, "text": e.text, "created_at": _iso(e.created_at)}
        for e in session.scalars(query)
    ]
