"""Metrics, liveness and readiness of a service process.

Declare `metrics = Metrics()` on a service class. Its workers are counted
(busy workers against max_workers), its RPCs timed by method, its event
handlers counted by event and outcome; at each scrape the service's own
database tells the outbox backlog and the age of its oldest unpublished
event, and how many failed events wait for a retry or are parked. notify
counts its SMS by the state each send leaves a message in.

When METRICS_PORT is set, the process serves on it (METRICS_ADDR, default
0.0.0.0):

- /metrics  Prometheus text format;
- /livez    200 while the process's event loop answers (no I/O);
- /readyz   200 when the database answers `SELECT 1` and the broker accepts
            a connection, 503 otherwise; the answer is kept READY_CACHE
            seconds so that a probe every few seconds costs little.

One server per process (several services in one test process share it).
"""
import json
import logging
import threading
import time
from kombu import Connection
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select, text

from services.common import clock
from services.common import config as cfg
from services.common import contracts
from services.common.db import Database
from services.common.tables import failed_events, outbox_events

log = logging.getLogger(__name__)

READY_CACHE = 2.0  # seconds a readiness answer is reused
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

WORKERS_BUSY = Gauge("sme_service_workers_busy", "Workers running now", ["service"])
WORKERS_MAX = Gauge("sme_service_workers_max", "Workers the service may run at once (max_workers)", ["service"])
RPC_SECONDS = Histogram(
    "sme_service_rpc_seconds", "Time a service spent answering an RPC", ["service", "method"],
    buckets=LATENCY_BUCKETS,
)
RPC_ERRORS = Counter(
    "sme_service_rpc_errors_total", "RPCs that ended in an unexpected error (not a refusal)", ["service", "method"]
)
EVENTS_HANDLED = Counter(
    "sme_events_handled_total", "Event handler runs by outcome (ok, failed: retried later or parked)",
    ["service", "event", "outcome"],
)
SMS_SENDS = Counter(
    "sme_sms_sends_total", "SMS send attempts by the state they left the message in (sent, queued, unknown, failed)",
    ["state"],
)


class StoreCollector:
    """Outbox and failed-event figures read from each service's database at
    scrape time."""

    def __init__(self):
        self.databases = {}  # service -> its Database dependency
        self.lock = threading.Lock()

    def collect(self):
        backlog = GaugeMetricFamily("sme_outbox_backlog", "Events written but not yet published", labels=["service"])
        oldest = GaugeMetricFamily(
            "sme_outbox_oldest_unpublished_seconds", "Age of the oldest unpublished event (0: none)", labels=["service"]
        )
        parked = GaugeMetricFamily("sme_events_parked", "Events parked after their last failed try", labels=["service"])
        waiting = GaugeMetricFamily("sme_events_retry_waiting", "Failed events waiting for a retry", labels=["service"])
        with self.lock:
            databases = dict(self.databases)
        for service, database in databases.items():
            if database.engine is None:
                continue
            try:
                with database.engine.connect() as conn:
                    count, first = conn.execute(
                        select(func.count(), func.min(outbox_events.c.created_at)).where(
                            outbox_events.c.published_at.is_(None)
                        )
                    ).one()
                    parked_count = conn.execute(
                        select(func.count()).select_from(failed_events).where(failed_events.c.parked_at.is_not(None))
                    ).scalar()
                    waiting_count = conn.execute(
                        select(func.count()).select_from(failed_events).where(failed_events.c.parked_at.is_(None))
                    ).scalar()
            except Exception as exc:  # a scrape must not fail because one database is down
                log.warning("metrics: %s database unreachable (%s)", service, type(exc).__name__)
                continue
            backlog.add_metric([service], count)
            age = (clock.utcnow() - clock.utc(first)).total_seconds() if first is not None else 0
            oldest.add_metric([service], age)
            parked.add_metric([service], parked_count)
            waiting.add_metric([service], waiting_count)
        return [backlog, oldest, parked, waiting]


STORE = StoreCollector()
REGISTRY.register(STORE)


class Readiness:
    """Whether the process's database and broker answer, cached briefly."""

    def __init__(self):
        self.checks = {}  # service -> (Database dependency, nameko config)
        self.lock = threading.Lock()
        self._answer = None
        self._at = 0.0

    def check(self):
        with self.lock:
            if self._answer is not None and time.monotonic() - self._at < READY_CACHE:
                return self._answer
            checks = dict(self.checks)
        problems = []
        amqp_uris = set()
        for service, (database, config) in checks.items():
            amqp_uris.add(cfg.get(contracts.ENV_AMQP_URI, config))
            try:
                with database.engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            except Exception as exc:
                problems.append(f"{service} database: {type(exc).__name__}")
        for uri in amqp_uris:
            try:
                with Connection(uri, connect_timeout=2) as conn:
                    conn.ensure_connection(max_retries=1, timeout=2)
            except Exception as exc:
                problems.append(f"broker: {type(exc).__name__}")
        answer = (not problems and bool(checks), problems)
        with self.lock:
            self._answer, self._at = answer, time.monotonic()
        return answer


READINESS = Readiness()


def ops_app(environ, start_response):
    """The WSGI app of the metrics port: /metrics, /livez, /readyz."""
    path = environ.get("PATH_INFO", "")
    if path == "/livez":
        return _json(start_response, "200 OK", {"status": "ok"})
    if path == "/readyz":
        ready, problems = READINESS.check()
        status = "200 OK" if ready else "503 Service Unavailable"
        return _json(start_response, status, {"status": "ok" if ready else "unavailable", "problems": problems})
    if path == "/metrics":
        return _METRICS(environ, start_response)
    return _json(start_response, "404 Not Found", {"status": "not found"})


_METRICS = make_wsgi_app(REGISTRY)


def _json(start_response, status, body):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


_server = None
_server_lock = threading.Lock()


def serve(port, addr="0.0.0.0"):
    """Start the process's metrics/health server once (a green thread under
    eventlet, as nameko runs)."""
    global _server
    with _server_lock:
        if _server is not None:
            return _server
        import eventlet
        import eventlet.wsgi

        # not SO_REUSEPORT (eventlet's default): a second process on the same port
        # must fail, not share the scrapes
        sock = eventlet.listen((addr, int(port)), reuse_port=False)
        _server = eventlet.spawn(eventlet.wsgi.server, sock, ops_app, log_output=False)
        _server.port = sock.getsockname()[1]
        log.info("metrics and health on %s:%s (/metrics, /livez, /readyz)", addr, _server.port)
        return _server


class Metrics(DependencyProvider):
    """Counts and times the service's workers; registers its database for
    the scrape-time figures and the readiness check; starts the process's
    metrics server when METRICS_PORT is set."""

    def setup(self):
        self.service = self.container.service_name
        WORKERS_MAX.labels(self.service).set(self.container.max_workers)
        WORKERS_BUSY.labels(self.service).set(0)

    def _database(self):
        return next((d for d in self.container.dependencies if isinstance(d, Database)), None)

    def start(self):
        config = self.container.config
        database = self._database()
        if database is not None:
            with STORE.lock:
                STORE.databases[self.service] = database
            with READINESS.lock:
                READINESS.checks[self.service] = (database, config)
        port = cfg.get(contracts.ENV_METRICS_PORT, config)
        if port not in (None, "", "0"):
            try:
                serve(port, cfg.get(contracts.ENV_METRICS_ADDR, config, default="0.0.0.0"))
            except OSError as exc:  # metrics must never keep a service from working
                log.error("metrics port %s unavailable: %s", port, exc)

    def stop(self):
        database = self._database()
        with STORE.lock:
            if STORE.databases.get(self.service) is database:
                del STORE.databases[self.service]
        with READINESS.lock:
            if READINESS.checks.get(self.service, (None,))[0] is database:
                del READINESS.checks[self.service]
            READINESS._answer = None

    kill = stop

    def worker_setup(self, worker_ctx):
        worker_ctx.metrics_started = time.perf_counter()
        WORKERS_BUSY.labels(self.service).inc()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        entrypoint = worker_ctx.entrypoint
        elapsed = time.perf_counter() - getattr(worker_ctx, "metrics_started", time.perf_counter())
        method = entrypoint.method_name
        if isinstance(entrypoint, Rpc):
            RPC_SECONDS.labels(self.service, method).observe(elapsed)
            if exc_info is not None and not isinstance(exc_info[1], entrypoint.expected_exceptions):
                RPC_ERRORS.labels(self.service, method).inc()
        elif getattr(entrypoint, "event_type", None):
            outcome = "ok" if exc_info is None else "failed"
            EVENTS_HANDLED.labels(self.service, entrypoint.event_type, outcome).inc()

    def worker_teardown(self, worker_ctx):
        WORKERS_BUSY.labels(self.service).dec()


def server_port():
    """The port this process's metrics server listens on (None: none)."""
    return _server.port if _server is not None else None
