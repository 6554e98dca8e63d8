"""Keyset (seek) paging of the case lists.

Lists are ordered by (submitted_at desc, declaration_id). A page is asked
for with the opaque token of the page next to it: `after` (the token of a
page's last row: the rows after it, 下一页) or `before` (the token of a
page's first row: the rows before it, 上一页); with neither, the first page.
A token holds the row's submitted_at, its declaration_id and the number of
the page it leads to, so "第 n 页" can still be shown. Reading a page costs
the same on page 1 and on page 500 (an index range scan from the token),
and a case submitted meanwhile neither repeats nor skips a row.

A token that cannot be read (altered, from an older format) gives the
first page.
"""
import base64
import datetime as dt
import json

from sqlalchemy import and_, or_

from services.common import clock
from services.review.models import ReviewCase

MAX_TOKEN = 200


def encode(case, page):
    raw = json.dumps([clock.iso(case.submitted_at), case.declaration_id, page], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(token):
    """(submitted_at, declaration_id, page) of a token, or None."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        at, declaration_id, page = json.loads(raw)
        at = dt.datetime.fromisoformat(at)
    except (ValueError, TypeError):
        return None
    if at.tzinfo is None or not isinstance(declaration_id, str) or len(declaration_id) > 64 \
            or not isinstance(page, int) or isinstance(page, bool):
        return None
    return at, declaration_id, max(1, min(page, 10**6))


def _after(at, declaration_id):
    """Rows after (at, id) in the list's order. The leading `<=` lets the
    index on (submitted_at desc, declaration_id) start the scan there."""
    return and_(ReviewCase.submitted_at <= at,
                or_(ReviewCase.submitted_at < at, ReviewCase.declaration_id > declaration_id))


def _before(at, declaration_id):
    return and_(ReviewCase.submitted_at >= at,
                or_(ReviewCase.submitted_at > at, ReviewCase.declaration_id < declaration_id))


def page_of(session, query, filters, per_page):
    """(cases, page number, previous token, next token) of one page of
    `query` (a select of ReviewCase with its conditions, unordered)."""
    after, before = decode(filters.get("after")), decode(filters.get("before"))
    if before and not after:
        rows = session.scalars(
            query.where(_before(*before[:2]))
            .order_by(ReviewCase.submitted_at.asc(), ReviewCase.declaration_id.desc())
            .limit(per_page + 1)
        ).all()
        more_before = len(rows) > per_page
        cases = list(reversed(rows[:per_page]))
        page = max(before[2], 2) if more_before else 1
        return _tokens(cases, page, more_before, True)
    if after:
        query = query.where(_after(*after[:2]))
    rows = session.scalars(
        query.order_by(ReviewCase.submitted_at.desc(), ReviewCase.declaration_id).limit(per_page + 1)
    ).all()
    page = after[2] if after else 1
    return _tokens(rows[:per_page], page, page > 1, len(rows) > per_page)


def _tokens(cases, page, has_previous, has_next):
    previous = encode(cases[0], page - 1) if cases and has_previous and page > 1 else None
    following = encode(cases[-1], page + 1) if cases and has_next else None
    return cases, page, previous, following
