"""A change to one section in three statements of plain SQL: the
declaration locked, what the change needs read at once (its batch's
deadlines, the section, the 复核 marks, a stored idempotent result), and
everything the change writes in one statement (the section, the
declaration's `updated_at` and region, the marks, the idempotency key).

The lock comes first and alone so that the read after it sees what a save
that held the lock before committed (in READ COMMITTED each statement reads
what was committed when it started). The rules applied in between are the
ones every other path applies: `access.require_owner`,
`lifecycle.require_editable` and `lifecycle.editable`."""
import json
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import text

from services.common.errors import BadState, NotFound
from services.common.idempotency import Claim
from services.declarations.access import require_owner
from services.declarations.lifecycle import editable, late_message, require_editable
from services.declarations.prefill import CARRIED_KEY

LOCK = text("SELECT id, enterprise_id, state, batch_id FROM declarations WHERE id = :id FOR UPDATE")

_READ = (
    "SELECT b.closes_at, b.resubmit_until,"
    " (SELECT data FROM sections WHERE declaration_id = :id AND key = :key) AS saved,"
    " (SELECT data FROM sections WHERE declaration_id = :id AND key = :carried_key) AS carried,"
    " {stored} AS stored"
    " FROM batches b WHERE b.id = :batch_id"
)
READ = text(_READ.format(stored="NULL"))
READ_WITH_CLAIM = text(_READ.format(stored=Claim.STORED))


@dataclass(frozen=True)
class Locked:
    """The declaration as the rules need it (duck-typed like the ORM row)."""
    id: str
    enterprise_id: str
    state: str
    batch_id: str


@dataclass(frozen=True)
class Deadlines:
    closes_at: object
    resubmit_until: object


@dataclass
class Change:
    """What one change needs: the locked declaration, what `key` holds now,
    the sections still marked as carried over, a result stored by a repeat."""
    declaration: Locked
    key: str
    saved: object
    carried: list
    stored: object
    claim: Claim = None


def begin(session, principal, declaration_id, key, claim=None, now=None):
    """Lock the declaration and read what a change of `key` needs. Refused
    unless `principal` owns it; when `stored` is set, a repeat of a request
    already done: answer it and change nothing. Otherwise refused unless
    the declaration may be changed now (state and deadline)."""
    row = session.execute(LOCK, {"id": str(declaration_id)}).first()
    declaration = require_owner(principal, None if row is None else Locked(*row))
    params = {"id": declaration.id, "key": key, "carried_key": CARRIED_KEY, "batch_id": declaration.batch_id}
    if claim is not None:
        params.update(claim.params())
    found = session.execute(READ_WITH_CLAIM if claim is not None else READ, params).first()
    if found is None:  # a declaration always has its batch
        raise NotFound("未找到该申报批次")
    change = Change(declaration, key, found.saved, list(found.carried or []), found.stored, claim)
    if change.stored is None:
        require_editable(declaration)
        batch = Deadlines(found.closes_at, found.resubmit_until)
        if not editable(declaration, batch, now):
            raise BadState(late_message(declaration, batch))
    return change


@lru_cache(maxsize=None)
def _write(region, carried, claimed):
    region_set = ", region_code = :region" if region else ""
    parts = [
        f"d AS (UPDATE declarations SET updated_at = :now{region_set} WHERE id = :id)",
        "s AS (INSERT INTO sections (declaration_id, key, data, updated_at)"
        " VALUES (:id, :key, CAST(:data AS json), :now)"
        " ON CONFLICT (declaration_id, key) DO UPDATE SET data = EXCLUDED.data, updated_at = EXCLUDED.updated_at)",
    ]
    if carried:
        parts.append("c AS (UPDATE sections SET data = CAST(:carried AS json)"
                     " WHERE declaration_id = :id AND key = :carried_key)")
    if claimed:
        parts.append(f"k AS ({Claim.RECORD})")
    return text("WITH " + ", ".join(parts) + " SELECT 1")


def finish(session, change, data, now, result, region=None):
    """Write `data` as the section's content in one statement (the section
    is no longer marked as carried over), with the idempotency key and
    `result` when the call carried one. Returns `result`."""
    still_carried = [k for k in change.carried if k != change.key]
    marks_changed = len(still_carried) != len(change.carried)
    params = {"id": change.declaration.id, "key": change.key, "now": now, "region": region,
              "data": json.dumps(data, ensure_ascii=False),
              "carried": json.dumps(still_carried, ensure_ascii=False), "carried_key": CARRIED_KEY}
    if change.claim is not None:
        params.update(change.claim.params(result, now))
    session.execute(_write(bool(region), marks_changed, change.claim is not None), params)
    return result
