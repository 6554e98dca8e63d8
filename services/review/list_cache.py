"""The inbox's figures (state counts, tab counts, the 超期 count and the
batches of the scope), kept for a few seconds per (principal, filters).

A list page shows its figures beside its rows; recomputing them for every
page of a province's 10,000 cases costs more than the page itself. A
`ListCache` belongs to one service container (one process): `get(key,
compute)` answers what `compute()` answered for the same key less than
SECONDS ago, else calls it again. Every cache of the process is emptied
when a session of the process commits a change to a case, an audit record
or a calendar day (a move, an intake, a 撤回, a 节假日), so a reviewer who
just acted sees the counts change on the next page. A change made by
another process shows within SECONDS.

Tests and scripts that call services.review.listing directly pass no cache
and get figures computed on every call.
"""
import threading
import time
import weakref

from nameko.extensions import DependencyProvider
from sqlalchemy import event
from sqlalchemy.orm import Session

SECONDS = 5.0
MAX_ENTRIES = 2000  # per process; the oldest go first
_CHANGED = "review_list_figures_changed"
_caches = weakref.WeakSet()


class Figures:
    """A small TTL cache of computed figures, safe between the workers of a
    process."""

    def __init__(self, seconds=SECONDS, max_entries=MAX_ENTRIES):
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries = {}
        self._lock = threading.Lock()
        _caches.add(self)

    def get(self, key, compute):
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0] > now:
                return found[1]
        value = compute()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._drop(now)
            self._entries[key] = (time.monotonic() + self.seconds, value)
        return value

    def _drop(self, now):
        """Remove expired entries, then the oldest half if still full."""
        for key in [k for k, (until, _v) in self._entries.items() if until <= now]:
            del self._entries[key]
        if len(self._entries) >= self.max_entries:
            for key in sorted(self._entries, key=lambda k: self._entries[k][0])[: self.max_entries // 2]:
                del self._entries[key]

    def clear(self):
        with self._lock:
            self._entries.clear()

    def __len__(self):
        return len(self._entries)


class ListCache(DependencyProvider):
    """The service's `Figures`, made when its container starts."""

    def setup(self):
        self.figures = Figures()

    def get_dependency(self, worker_ctx):
        return self.figures


def clear_all():
    """Empty every cache of the process."""
    for cache in list(_caches):
        cache.clear()


def _watched():
    from services.review.calendar_models import CalendarDay
    from services.review.models import ReviewAction, ReviewCase

    return (ReviewCase, ReviewAction, CalendarDay)


@event.listens_for(Session, "after_flush")
def _note_flush(session, _context):
    watched = _watched()
    if any(isinstance(o, watched) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state):
    if (state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ in _watched():
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _clear_on_commit(session):
    if session.info.pop(_CHANGED, False):
        clear_all()


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session):
    session.info.pop(_CHANGED, None)
