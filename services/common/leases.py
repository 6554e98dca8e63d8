"""Leases: which process of a service runs a scheduled job right now.

Every service keeps a `leases` table (the `common` migration branch), one row
per job: who holds it (`holder`, one id per process and job), until when
(`expires_at`), and when the job last ran to the end (`last_run_at`). A
process takes a lease with one UPDATE that succeeds only when the lease is
free (expired) or already its own, so however many replicas run, one holds
it at a time; the holder renews it while it lives and runs the job, gives it
up when it stops, and a holder that died loses it when it expires.

Times are the processes' clocks (UTC, services.common.clock): the lease's
length must exceed any skew between the hosts' clocks, which NTP keeps far
below a second.
"""
from datetime import datetime, timedelta

from sqlalchemy import Column, DateTime, MetaData, String, Table, and_, or_, select, update

from services.common import clock
from services.common.db import NAMING
from services.common.tables import insert_ignore

metadata = MetaData(naming_convention=NAMING)

leases = Table(
    "leases",
    metadata,
    Column("name", String(100), primary_key=True),  # the job's name
    Column("holder", String(200)),  # the process holding it, None when never held
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("last_run_at", DateTime(timezone=True)),  # the start of the job's last complete run
)

NEVER = datetime(2000, 1, 1, tzinfo=clock.UTC)


def acquire(engine, name, holder, seconds, at=None):
    """Take or renew the lease `name` for `seconds`: True when `holder`
    holds it now (it was free, expired, or already `holder`'s)."""
    at = at or clock.utcnow()
    with engine.begin() as conn:
        insert_ignore(conn, leases, {"name": name, "holder": None, "expires_at": NEVER})
        result = conn.execute(
            update(leases)
            .where(leases.c.name == name)
            .where(or_(leases.c.expires_at < at, leases.c.holder == holder))
            .values(holder=holder, expires_at=at + timedelta(seconds=seconds))
        )
    return result.rowcount == 1


def release(engine, name, holder, at=None):
    """Give the lease up at once (a process that stops), if `holder` has it."""
    at = at or clock.utcnow()
    with engine.begin() as conn:
        conn.execute(
            update(leases)
            .where(and_(leases.c.name == name, leases.c.holder == holder))
            .values(expires_at=at)
        )


def last_run(engine, name):
    """When the job `name` last ran to the end (its start), or None."""
    with engine.connect() as conn:
        value = conn.scalar(select(leases.c.last_run_at).where(leases.c.name == name))
    return clock.utc(value)


def record_run(engine, name, holder, started_at):
    """Record a complete run of `name` started at `started_at`, if `holder`
    still holds the lease (a holder that lost it ran the job on borrowed
    time: the new holder decides afresh). True when recorded."""
    with engine.begin() as conn:
        result = conn.execute(
            update(leases)
            .where(and_(leases.c.name == name, leases.c.holder == holder))
            .values(last_run_at=started_at)
        )
    return result.rowcount == 1


def holder_of(engine, name, at=None):
    """The process holding `name` now, or None."""
    at = at or clock.utcnow()
    with engine.connect() as conn:
        row = conn.execute(
            select(leases.c.holder, leases.c.expires_at).where(leases.c.name == name)
        ).one_or_none()
    if row is None or clock.utc(row.expires_at) <= at:
        return None
    return row.holder
