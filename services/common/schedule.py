"""Scheduled jobs: once per cluster, however many replicas run, and across
restarts (docs/scheduling.md).

A service method becomes a job with one decorator:

    from services.common import schedule

    class ReviewService:
        @schedule.daily("08:30", setting=c.ENV_REVIEW_DIGEST_AT)   # Beijing time
        def send_digest(self):
            ...

        @schedule.every(3600)                                       # seconds
        def tidy(self):
            ...

Each replica's `Scheduled` entrypoint wakes every SCHEDULE_TICK_SECONDS and
tries to take the job's lease (services.common.leases); the one that holds it
runs the job when it is due, renewing the lease while the job runs, and
records the run's start when the job ended without error (its database
transaction committed). The other replicas find the lease held and do
nothing; when the holder dies, its lease expires after
SCHEDULE_LEASE_SECONDS and another replica takes over.

Due, from the last run recorded in the database (not the process's memory):
- `every(seconds)`: when no run is recorded or `seconds` have passed since
  the last one started;
- `daily("HH:MM")`: when the last run started before the latest HH:MM
  Beijing time that has passed. A restart does not run a job twice the same
  day, and a replica starting after the hour (the cluster was down at
  HH:MM) runs the missed run once. A daily job seen for the first time
  runs at the next HH:MM (its first replica records that moment as its
  start), never at once for a day gone by.

The worker runs as the service's system principal (like event handlers):
`Caller` gives `system`, `ServiceRpc` signs it.
"""
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import time, timedelta
from functools import partial

from eventlet.event import Event
from nameko.extensions import Entrypoint

from services.common import clock
from services.common import config as cfg
from services.common import contracts as c
from services.common import leases
from services.common.db import finish_transactions, make_engine

log = logging.getLogger(__name__)

LEASE_SECONDS = 60.0
TICK_SECONDS = 10.0


@dataclass(frozen=True)
class Plan:
    """When a job is due: every `every` seconds, or daily at `at` (Beijing)."""

    every: float = None
    at: time = None

    @classmethod
    def parse(cls, every=None, daily_at=None):
        if daily_at is not None:
            try:
                hours, minutes = (int(part) for part in str(daily_at).strip().split(":"))
                return cls(at=time(hours, minutes))
            except ValueError:
                raise ValueError(f"a daily time is HH:MM (Beijing time), not {daily_at!r}") from None
        seconds = float(every)
        if seconds < 0:
            raise ValueError(f"an interval is a number of seconds (0: off), not {every!r}")
        return cls(every=seconds)

    @property
    def enabled(self):
        return self.at is not None or self.every > 0

    def slot(self, now):
        """The latest daily time that has passed at `now` (UTC)."""
        today = clock.beijing_day(now)
        start = clock.day_start(today) + timedelta(hours=self.at.hour, minutes=self.at.minute)
        return start if start <= now else start - timedelta(days=1)

    def due(self, last_run_at, now):
        if self.at is None:
            return last_run_at is None or now >= last_run_at + timedelta(seconds=self.every)
        return last_run_at is not None and last_run_at < self.slot(now)


def holder_id():
    """One process's name in a lease: host, process and a random part (a
    restarted process is another holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Scheduled(Entrypoint):
    """The entrypoint of a scheduled job (see the module's docstring)."""

    acts_as_service = True  # the worker acts as the service's system principal

    def __init__(self, every=None, daily_at=None, setting=None, name=None, **kwargs):
        self.default = (every, daily_at)
        self.setting = setting
        self.job_name = name
        self._stopping = Event()
        self._thread = None
        self.engine = None
        self._failures = 0
        self._retry_at = None
        super().__init__(**kwargs)

    def setup(self):
        config = self.container.config
        every, daily_at = self.default
        override = cfg.get(self.setting, config) if self.setting else None
        if override is not None:
            every, daily_at = (None, override) if daily_at is not None else (override, None)
        self.plan = Plan.parse(every, daily_at)
        self.job = self.job_name or f"{self.container.service_name}.{self.method_name}"
        self.lease_seconds = float(cfg.get(c.ENV_SCHEDULE_LEASE_SECONDS, config, LEASE_SECONDS))
        self.tick = float(cfg.get(c.ENV_SCHEDULE_TICK_SECONDS, config, TICK_SECONDS))
        if not 0 < self.tick * 2 <= self.lease_seconds:
            raise ValueError(
                f"{c.ENV_SCHEDULE_LEASE_SECONDS} ({self.lease_seconds}) must be at least twice "
                f"{c.ENV_SCHEDULE_TICK_SECONDS} ({self.tick}), which must be positive"
            )
        self.holder = holder_id()
        self.engine = make_engine(self.container.service_name, config, pool_size=2, max_overflow=2)

    def start(self):
        if self.plan.enabled:
            self._thread = self.container.spawn_managed_thread(self._run, identifier=f"schedule of {self.job}")

    def stop(self):
        if not self._stopping.ready():
            self._stopping.send(True)
        if self._thread is not None:
            self._thread.wait()
            try:
                leases.release(self.engine, self.job, self.holder)
            except Exception as exc:  # the database is gone: the lease expires instead
                log.warning("%s: could not give up the lease: %s", self.job, exc)
        self.engine.dispose()

    def kill(self):
        # A killed process gives nothing up: its lease expires.
        if self._thread is not None:
            self._thread.kill()
        if self.engine is not None:
            self.engine.dispose()

    def _run(self):
        while not self._stopping.ready():
            try:
                self.run_if_due()
            except Exception as exc:  # the database, most likely: the next tick tries again
                log.warning("%s: scheduling failed: %s", self.job, exc)
            self._stopping.wait(self.tick)

    def run_if_due(self, now=None):
        """One tick: take or renew the lease, run the job if it is due.
        True when the job ran to the end."""
        now = now or clock.utcnow()
        if not leases.acquire(self.engine, self.job, self.holder, self.lease_seconds, now):
            return False
        last = leases.last_run(self.engine, self.job)
        if last is None and self.plan.at is not None:
            # A daily job seen for the first time starts counting now: its
            # first run is at the next HH:MM, not at once for a day gone by.
            leases.record_run(self.engine, self.job, self.holder, now)
            return False
        if not self.plan.due(last, now):
            return False
        if self._retry_at is not None and now < self._retry_at:
            return False  # it failed a moment ago: wait before the next try
        ok = self._run_job(now)
        self._failures = 0 if ok else self._failures + 1
        self._retry_at = None if ok else now + timedelta(seconds=self.retry_delay())
        return ok

    def retry_delay(self):
        """Seconds before a failed job is tried again: the lease's length,
        doubling with each failure in a row, at most an hour."""
        return min(self.lease_seconds * 2 ** max(self._failures - 1, 0), 3600.0)

    def _run_job(self, started_at):
        done = Event()
        renewer = self.container.spawn_managed_thread(
            partial(self._renew_until, done), identifier=f"lease of {self.job}"
        )
        try:
            self.container.spawn_worker(
                self, (), {}, handle_result=partial(self._handle_result, done, started_at)
            )
            return done.wait()
        finally:
            renewer.kill()

    def _renew_until(self, done):
        while not done.ready():
            if done.wait(self.tick) is not None:
                return
            if not leases.acquire(self.engine, self.job, self.holder, self.lease_seconds):
                log.warning("%s: the lease was lost while the job ran", self.job)

    def _handle_result(self, done, started_at, worker_ctx, result, exc_info):
        exc_info = finish_transactions(self.container, worker_ctx, exc_info)
        ok = exc_info is None
        if ok:
            leases.record_run(self.engine, self.job, self.holder, started_at)
        else:
            log.warning("%s failed; it is tried again later", self.job)
        done.send(ok)
        return result, exc_info


def every(seconds, setting=None, name=None):
    """Run the decorated method every `seconds` (a setting may override them;
    0 turns the job off), on one replica at a time."""
    return Scheduled.decorator(every=seconds, setting=setting, name=name)


def daily(at, setting=None, name=None):
    """Run the decorated method once a day at `at` ("HH:MM", Beijing time; a
    setting may override it), on one replica."""
    return Scheduled.decorator(daily_at=at, setting=setting, name=name)
