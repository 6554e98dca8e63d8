"""Horizontal scale on this machine: two instances of the declarations
service and two of the tenants service, each a `nameko run` process as in a
container, are competing consumers of the same queues: the service's RPC
queue and the durable event queue of the contracts. A burst of work is
shared by both; stopping one in the middle of the burst (SIGTERM, as an
orchestrator does) or killing it (SIGKILL, as a crashed host) loses nothing:
the other finishes, and PostgreSQL holds every job exactly once.

The instances run tests/deploy/scaled.py: the real service classes with two
entrypoints that record a job in the service's own schema.
"""
import os
import signal
import subprocess
import sys

import eventlet
import pytest
import requests
import yaml
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import text

from services.common import contracts as c
from services.common import outbox
from services.common.config import ROOT
from tests.deploy import scaled

BURST = 150
WORKERS = 2  # per instance: a small prefetch keeps most of the burst in the queue
WAIT = 90  # seconds any wait may take before the test fails
NAMEKO = os.path.join(os.path.dirname(sys.executable), "nameko")


@pytest.fixture
def job_table(db_engine):
    """A work table in the schema of the service under test."""
    engines = []

    def make(service):
        engine = db_engine(service)
        with engine.begin() as conn:
            conn.execute(text(
                "CREATE TABLE scale_job (job_id integer PRIMARY KEY, instance text NOT NULL, "
                "done_at timestamptz NOT NULL DEFAULT clock_timestamp())"
            ))
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE scale_job"))


@pytest.fixture
def instances(config, tmp_path, rabbit_manager):
    """start(service) runs instances "a" and "b" of the service, each in a
    process of its own, and returns once both consume its queues."""
    processes = []

    def consumers(queue):
        try:
            return rabbit_manager.get_queue(config["vhost"], queue).get("consumers", 0)
        except requests.HTTPError as exc:
            if exc.response.status_code == 404:  # not declared yet
                return 0
            raise

    def start(service):
        source, event_type = scaled.CONSUMED[service]
        started = {}
        for label in ("a", "b"):
            conf = tmp_path / f"{service}-{label}.yaml"
            conf.write_text(yaml.safe_dump({
                "AMQP_URI": config["AMQP_URI"],
                c.ENV_DATABASE_URL: config[c.ENV_DATABASE_URL],
                "serializer": "json",
                "max_workers": WORKERS,
                scaled.INSTANCE: label,
            }))
            with open(tmp_path / f"{service}-{label}.log", "wb") as log:
                proc = subprocess.Popen(
                    [NAMEKO, "run", "--config", str(conf), f"tests.deploy.scaled:{scaled.CLASSES[service]}"],
                    cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log, stderr=subprocess.STDOUT,
                )
            processes.append(proc)
            started[label] = proc
        queues = (f"rpc-{service}", c.event_queue(source, event_type, service))
        wait_until(lambda: all(p.poll() is None for p in started.values())
                   and all(consumers(q) == 2 for q in queues), "both instances to consume")
        return started

    yield start
    for proc in processes:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def done_by(engine):
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT instance, count(*) FROM scale_job GROUP BY instance")).all()
    return dict(rows)


def wait_until(predicate, what):
    with eventlet.Timeout(WAIT, TimeoutError(f"waited {WAIT}s for {what}")):
        while not predicate():
            eventlet.sleep(0.05)


def take_away(process, how):
    """SIGTERM: nameko finishes its running workers and gives back what it
    had prefetched. SIGKILL: running work dies unacknowledged, the broker
    redelivers it, PostgreSQL rolls back its open transactions."""
    process.send_signal(signal.SIGTERM if how == "stop" else signal.SIGKILL)
    with eventlet.Timeout(WAIT):
        while process.poll() is None:
            eventlet.sleep(0.05)


def the_middle_of_the_burst(engine):
    wait_until(lambda: min(done_by(engine).get(x, 0) for x in "ab") >= 5, "both instances to take part")


def when_gone(engine):
    with engine.connect() as conn:
        gone_at, done = conn.execute(text("SELECT clock_timestamp(), count(*) FROM scale_job")).one()
    assert done < BURST, "the burst ended before an instance went away"
    return gone_at


def check_every_job_done_once_and_the_rest_by_the_survivor(engine, gone_at):
    with engine.connect() as conn:
        jobs = conn.execute(text("SELECT job_id FROM scale_job ORDER BY job_id")).scalars().all()
        after = dict(conn.execute(
            text("SELECT instance, count(*) FROM scale_job WHERE done_at > :t GROUP BY instance"),
            {"t": gone_at},
        ).all())
    # Every job recorded once: nothing lost; a job redelivered after a kill is
    # absorbed by its key (handlers are idempotent).
    assert jobs == list(range(BURST))
    assert set(after) == {"b"} and after["b"] > 0


# Each service is taken away both ways, once under an RPC burst and once
# under an event burst (each case starts two processes: kept to four).
RPC_CASES = pytest.mark.parametrize("service,how", [(c.DECLARATIONS, "stop"), (c.TENANTS, "kill")])
EVENT_CASES = pytest.mark.parametrize("service,how", [(c.DECLARATIONS, "kill"), (c.TENANTS, "stop")])


@RPC_CASES
def test_rpc_burst_is_shared_and_one_instance_going_away_loses_nothing(
    config, job_table, instances, service, how
):
    engine = job_table(service)
    running = instances(service)
    with ClusterRpcProxy(config, timeout=WAIT) as proxy:
        calls = [proxy[service].record_job.call_async(job) for job in range(BURST)]
        the_middle_of_the_burst(engine)
        take_away(running["a"], how)
        gone_at = when_gone(engine)
        answered_by = [call.result() for call in calls]  # every caller gets its answer

    assert set(answered_by) == {"a", "b"}
    check_every_job_done_once_and_the_rest_by_the_survivor(engine, gone_at)


@EVENT_CASES
def test_event_burst_is_shared_and_one_instance_going_away_loses_nothing(
    config, job_table, instances, service, how
):
    engine = job_table(service)
    running = instances(service)
    source, event_type = scaled.CONSUMED[service]
    pub = outbox.publisher(config)
    for job in range(BURST):
        # both are state-changing events: the envelope carries a sequence and a state
        body = outbox.envelope({"job_id": job}, event_type=event_type, sequence=job + 1, state=c.PENDING_CITY)
        outbox.publish_one(pub, source, event_type, body)

    the_middle_of_the_burst(engine)
    take_away(running["a"], how)
    gone_at = when_gone(engine)
    wait_until(lambda: sum(done_by(engine).values()) == BURST, "the survivor to finish the burst")

    check_every_job_done_once_and_the_rest_by_the_survivor(engine, gone_at)
    with engine.connect() as conn:
        handled = conn.execute(
            text("SELECT count(*) FROM processed_events WHERE handler = :h"),
            {"h": c.event_queue(source, event_type, service)},
        ).scalar()
        failed = conn.execute(text("SELECT count(*) FROM failed_events")).scalar()
    assert handled == BURST and failed == 0  # each event handled once, none failed or parked
