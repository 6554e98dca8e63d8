"""Scheduled jobs (services.common.schedule) on the real PostgreSQL and
RabbitMQ: however many replicas run, one runs a job at a time; a daily job
runs once a day across restarts and a missed one runs when a replica comes
back; when the holder of a job's lease dies, another replica takes over once
the lease has expired."""
import time
from datetime import datetime, timedelta

import eventlet
import pytest
from nameko.extensions import DependencyProvider
from sqlalchemy import select, update

from services.common import clock
from services.common import contracts as c
from services.common import leases, schedule
from services.common.entrypoints import Caller

RUNS = []  # (job, holder, started_at, principal kind) of every run, all containers of the process
FAST = {c.ENV_SCHEDULE_TICK_SECONDS: "0.05", c.ENV_SCHEDULE_LEASE_SECONDS: "1"}
DAILY_AT = "TEST_DAILY_AT"


class Entry(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return worker_ctx.entrypoint


class JobsService:
    name = c.REVIEW  # its schema has the common tables (the leases among them)

    entry = Entry()
    caller = Caller()

    def _ran(self):
        RUNS.append((self.entry.job, self.entry.holder, clock.utcnow(), self.caller.kind))

    @schedule.daily("08:30", setting=DAILY_AT)
    def digest(self):
        self._ran()

    @schedule.every(0.05)
    def often(self):
        self._ran()


def runs(job):
    return [r for r in RUNS if r[0] == f"{c.REVIEW}.{job}"]


def wait_for(predicate, timeout=30, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        eventlet.sleep(0.02)


@pytest.fixture(autouse=True)
def clear_runs():
    RUNS.clear()
    yield
    RUNS.clear()


@pytest.fixture
def engine(db_engine):
    return db_engine(c.REVIEW)


def ran(engine, job, when):
    """Record a run of `job` at `when` (as a replica that has since gone)."""
    with engine.begin() as conn:
        leases.acquire(engine, f"{c.REVIEW}.{job}", "gone", 1, when - timedelta(seconds=5))
        conn.execute(
            update(leases.leases)
            .where(leases.leases.c.name == f"{c.REVIEW}.{job}")
            .values(last_run_at=when)
        )


def at(day, hh, mm):
    """A Beijing wall-clock moment, as UTC."""
    return clock.day_start(day) + timedelta(hours=hh, minutes=mm)


DAY = datetime(2026, 11, 30).date()


def test_a_daily_job_is_due_once_after_its_hour_and_a_missed_one_is_caught_up():
    plan = schedule.Plan.parse(daily_at="08:30")
    assert not plan.due(None, at(DAY, 8, 30))  # never ran: a replica records a start first
    assert not plan.due(at(DAY, 7, 0), at(DAY, 8, 29))
    assert plan.due(at(DAY, 7, 0), at(DAY, 8, 30))  # started counting before today's hour
    assert not plan.due(at(DAY, 8, 30), at(DAY, 23, 59))  # ran today: not again
    assert not plan.due(at(DAY - timedelta(days=1), 8, 31), at(DAY, 8, 29))
    assert plan.due(at(DAY - timedelta(days=1), 8, 31), at(DAY, 8, 30))
    # Down from before yesterday's hour until this morning: the missed run, once.
    assert plan.due(at(DAY - timedelta(days=2), 8, 30), at(DAY, 7, 0))
    assert not plan.due(at(DAY, 7, 0), at(DAY, 8, 0))
    # Beijing's day, not UTC's: 00:30 Beijing is the previous day in UTC.
    assert schedule.Plan.parse(daily_at="00:15").due(at(DAY - timedelta(days=1), 0, 15), at(DAY, 0, 30))


def test_an_interval_job_is_due_when_its_interval_has_passed():
    plan = schedule.Plan.parse(every=60)
    start = at(DAY, 9, 0)
    assert plan.due(None, start)
    assert not plan.due(start, start + timedelta(seconds=59))
    assert plan.due(start, start + timedelta(seconds=60))
    assert not schedule.Plan.parse(every=0).enabled


@pytest.mark.parametrize("bad", ["8.30", "25:00", "noon"])
def test_a_daily_time_that_is_not_hh_mm_is_refused(bad):
    with pytest.raises(ValueError):
        schedule.Plan.parse(daily_at=bad)


def test_a_lease_is_held_by_one_process_until_it_expires(engine):
    now = clock.utcnow()
    assert leases.acquire(engine, "job", "a", 10, now)
    assert not leases.acquire(engine, "job", "b", 10, now + timedelta(seconds=5))
    assert leases.acquire(engine, "job", "a", 10, now + timedelta(seconds=5))  # renewed until +15
    assert not leases.acquire(engine, "job", "b", 10, now + timedelta(seconds=14))
    assert leases.acquire(engine, "job", "b", 10, now + timedelta(seconds=16))
    assert not leases.record_run(engine, "job", "a", now)  # a lost it: its run is not recorded
    assert leases.last_run(engine, "job") is None
    leases.release(engine, "job", "b", now + timedelta(seconds=17))
    assert leases.acquire(engine, "job", "a", 10, now + timedelta(seconds=17.5))


def test_two_replicas_run_a_daily_job_once_and_a_restart_does_not_run_it_again(
    container_factory, config, engine
):
    # Today's hour has passed; a lease long enough that a busy machine's
    # slow tick does not lose it.
    settings = {**config, **FAST, c.ENV_SCHEDULE_LEASE_SECONDS: "10", DAILY_AT: "00:00"}
    ran(engine, "digest", clock.utcnow() - timedelta(days=1))  # yesterday's run: today's is due
    replicas = [container_factory(JobsService, settings) for _ in range(2)]
    for replica in replicas:
        replica.start()
    wait_for(lambda: len(runs("often")) >= 20, what="both replicas ticking")
    assert len(runs("digest")) == 1
    assert runs("digest")[0][3] == c.SYSTEM  # a job acts as the service itself
    assert len({holder for _, holder, _, _ in runs("often")}) == 1  # one holder while both live
    for replica in replicas:
        replica.stop()

    restarted = container_factory(JobsService, settings)
    restarted.start()
    seen = len(runs("often"))
    wait_for(lambda: len(runs("often")) >= seen + 20, what="the restarted replica ticking")
    assert len(runs("digest")) == 1  # not twice the same day

    # The last run was two days ago (the cluster was down): it runs once now.
    ran(engine, "digest", clock.utcnow() - timedelta(days=2))
    wait_for(lambda: len(runs("digest")) == 2, what="the missed run")
    seen = len(runs("often"))
    wait_for(lambda: len(runs("often")) >= seen + 20, what="more ticks")
    assert len(runs("digest")) == 2


def test_when_the_holder_dies_another_replica_takes_over_after_the_lease_expires(
    container_factory, config, engine
):
    settings = {**config, **FAST, DAILY_AT: "00:00"}
    replicas = [container_factory(JobsService, settings) for _ in range(2)]
    for replica in replicas:
        replica.start()
    wait_for(lambda: len(runs("often")) >= 5, what="the job running")
    holder = runs("often")[-1][1]
    [dead] = [r for r in replicas if any(getattr(e, "holder", None) == holder for e in r.entrypoints)]
    dead.kill()  # no goodbye: its lease stays until it expires
    with engine.connect() as conn:
        expires_at = clock.utc(
            conn.scalar(
                select(leases.leases.c.expires_at).where(leases.leases.c.name == f"{c.REVIEW}.often")
            )
        )
    wait_for(lambda: runs("often")[-1][1] != holder, what="another replica taking over")
    taken = [r for r in runs("often") if r[1] != holder]
    assert taken[0][2] > expires_at  # not before the dead holder's lease expired
    assert len({r[1] for r in taken}) == 1


def test_a_daily_job_seen_for_the_first_time_waits_for_its_next_hour(container_factory, config, engine):
    container_factory(JobsService, {**config, **FAST, DAILY_AT: "00:00"}).start()
    wait_for(lambda: len(runs("often")) >= 20, what="ticks")
    assert runs("digest") == []  # not at once for today's hour gone by
    assert leases.last_run(engine, f"{c.REVIEW}.digest") is not None  # counting from now
