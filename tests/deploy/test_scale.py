"""Horizontal scale on this machine: two instances of a service are
competing consumers of the same queue. A burst of work is shared by both;
stopping one of them in the middle of the burst (gracefully, or killing it
as a crashed host would) loses nothing: the other finishes, and PostgreSQL
holds every job exactly once.

The instances are the real service classes (their dependencies set up as in
production) with one extra entrypoint that records a job in the service's
own schema; nothing else of theirs runs (restrict_entrypoints).
"""
import eventlet
import pytest
from nameko.dependency_providers import Config
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.testing.services import restrict_entrypoints
from sqlalchemy import text

from services.common import contracts as c
from services.common.entrypoints import rpc
from services.declarations.service import DeclarationsService
from services.tenants.service import TenantsService

INSTANCE = "SCALE_TEST_INSTANCE"
BURST = 150
WORKERS = 2  # per instance: a small prefetch keeps most of the burst in the queue
WAIT = 60  # seconds any wait may take before the test fails


def scaled(service_cls):
    class Scaled(service_cls):
        config = Config()

        @rpc(public=True)
        def record_job(self, job_id):
            eventlet.sleep(0.05)  # some work: at most 80 jobs a second for both instances
            self.db.session.execute(
                text(
                    "INSERT INTO scale_job (job_id, instance) VALUES (:job, :instance) "
                    "ON CONFLICT (job_id) DO NOTHING"
                ),
                {"job": job_id, "instance": self.config[INSTANCE]},
            )
            return self.config[INSTANCE]

    Scaled.__name__ = service_cls.__name__
    return Scaled


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


def done_by(engine):
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT instance, count(*) FROM scale_job GROUP BY instance")).all()
    return dict(rows)


def wait_until(predicate, what):
    with eventlet.Timeout(WAIT, TimeoutError(f"waited {WAIT}s for {what}")):
        while not predicate():
            eventlet.sleep(0.02)


@pytest.mark.parametrize("service_cls", [DeclarationsService, TenantsService],
                         ids=[c.DECLARATIONS, c.TENANTS])
@pytest.mark.parametrize("how", ["stop", "kill"])
def test_two_instances_share_a_burst_and_one_going_away_loses_nothing(
    container_factory, config, job_table, service_cls, how
):
    service = service_cls.name
    engine = job_table(service)
    cls = scaled(service_cls)
    instances = {}
    for label in ("a", "b"):
        container = container_factory(cls, {**config, INSTANCE: label, "max_workers": WORKERS})
        restrict_entrypoints(container, "record_job")
        container.start()
        instances[label] = container

    with ClusterRpcProxy(config, timeout=WAIT) as proxy:
        calls = [getattr(proxy[service], "record_job").call_async(job) for job in range(BURST)]

        # In the middle of the burst: both instances have done some of it.
        wait_until(lambda: min(done_by(engine).get(x, 0) for x in "ab") >= 5,
                   "both instances to take part")
        if how == "stop":
            # Finishes its running jobs, cancels its consumer (within the
            # consumer's 1 s drain interval), returns what it had prefetched.
            instances["a"].stop()
        else:
            instances["a"].kill()  # running jobs die unacknowledged: the broker redelivers them
        with engine.connect() as conn:
            gone_at, done_when_gone = conn.execute(
                text("SELECT clock_timestamp(), count(*) FROM scale_job")
            ).one()
        assert done_when_gone < BURST, "the burst ended before an instance went away"

        answered_by = [call.result() for call in calls]

    assert set(answered_by) == {"a", "b"}
    with engine.connect() as conn:
        jobs = conn.execute(text("SELECT job_id FROM scale_job ORDER BY job_id")).scalars().all()
        after = dict(conn.execute(
            text("SELECT instance, count(*) FROM scale_job WHERE done_at > :t GROUP BY instance"),
            {"t": gone_at},
        ).all())
    # Every job recorded once: nothing lost; a job redelivered after a kill is
    # absorbed by its key (handlers are idempotent).
    assert jobs == list(range(BURST))
    assert set(after) == {"b"} and after["b"] > 0  # the survivor finished the rest alone
