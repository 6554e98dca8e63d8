"""Rate limits of the tenant's anonymous intake RPCs.

Nobody logs in on the intake pages, so requests are counted per device id
(the intake cookie) and per client address (given by the gateway), in
one-minute windows kept in the database so that every replica of the service
counts the same requests. Saves and 确认提交 count as writes; opening a page
(intake_context) counts as a view and gets twice the writes' caps.

The per-address cap is high: a base may ask 200 tenants to scan the QR code at
one meeting, all behind one NAT'd address; the per-device cap is much lower.
"""
import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from services.common import config as cfg
from services.common import clock
from services.common import contracts
from services.common.errors import RateLimited
from services.tenants.models import IntakeRateCounter

WINDOW = dt.timedelta(minutes=1)
VIEW_FACTOR = 2  # a view costs half a write
WRITE, VIEW = "write", "view"


@dataclass(frozen=True)
class Limits:
    per_ip: int = 3000  # writes per minute from one address: a meeting of 200 behind one NAT (0: no limit)
    per_device: int = 60  # writes per minute from one device (0: no limit)


def settings(config=None):
    d = Limits()

    def number(env, default):
        return max(int(cfg.get(env, config, default=str(default))), 0)

    return Limits(
        per_ip=number(contracts.ENV_INTAKE_PER_IP_PER_MINUTE, d.per_ip),
        per_device=number(contracts.ENV_INTAKE_PER_DEVICE_PER_MINUTE, d.per_device),
    )


def message(seconds):
    return f"操作过于频繁，请{seconds}秒后再试"


def _window(now):
    return now.replace(second=0, microsecond=0)


def _hit(session, keys, start):
    """Count one request of each of `keys` in the window beginning at
    `start`, in one statement; {key: the window's count so far (this one
    included)}."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = IntakeRateCounter.__table__
    stmt = insert(table).values([{"key": key, "window_start": start, "count": 1} for key in keys])
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.key, table.c.window_start], set_={"count": table.c.count + 1}
    ).returning(table.c.key, table.c.count)
    return dict(session.execute(stmt).all())


def check(session, kind, device_id, ip, limits, now=None):
    """Count this request against its device and its address; RateLimited
    (with the wait in seconds) when either is over its cap. Commits: the
    count stands even if the request then fails, and the counter rows are
    locked only for the moment of the update."""
    now = now or clock.utcnow()
    start = _window(now)
    factor = VIEW_FACTOR if kind == VIEW else 1
    caps = {f"{kind}:device:{device_id}": limits.per_device * factor}
    if ip:
        caps[f"{kind}:ip:{str(ip)[:64]}"] = limits.per_ip * factor
    caps = {key: cap for key, cap in caps.items() if cap}
    if not caps:
        return
    counts = _hit(session, list(caps), start)
    if counts[list(caps)[-1]] == 1:
        # A new window of the address (of the device, without an address):
        # drop the windows nobody counts any more, once a minute per address.
        session.execute(delete(IntakeRateCounter).where(IntakeRateCounter.window_start < start - WINDOW))
    session.commit()
    if any(counts[key] > cap for key, cap in caps.items()):
        wait = max(1, math.ceil((start + WINDOW - now).total_seconds()))
        raise RateLimited(message(wait), wait)
