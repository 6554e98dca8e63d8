"""What the gateway tells its operator: a correlation id per request (logged
on every line, sent along every RPC, answered in X-Request-ID), request and
RPC metrics, and /metrics.

The id comes from the request's X-Request-ID when the gateway sits behind
trusted proxies (TRUSTED_PROXIES > 0, e.g. an Ingress that sets it) and the
value looks like an id; otherwise the gateway makes one.

Metrics work in gunicorn's several worker processes when
PROMETHEUS_MULTIPROC_DIR names an empty directory writable by them (the
client library's multiprocess mode); /metrics then adds up every worker.
With METRICS_TOKEN set, /metrics answers only `Authorization: Bearer <it>`;
without it, in production, it answers only requests that did not come
through the proxy in front (no X-Forwarded-For: Prometheus scrapes the pod
or container directly, the public comes through the Ingress).
"""
import hmac
import os
import time

from flask import Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest

from gateway.rpc import RpcClient, ServiceUnavailable
from services.common import config as cfg
from services.common import contracts
from services.common import logs

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUESTS = Counter("sme_gateway_requests_total", "HTTP requests by route and status", ["route", "method", "status"])
REQUEST_SECONDS = Histogram(
    "sme_gateway_request_seconds", "Time to answer an HTTP request", ["route", "method"], buckets=LATENCY_BUCKETS
)
RPC_SECONDS = Histogram(
    "sme_gateway_rpc_seconds", "Time an RPC took as the gateway waited for it", ["service", "method"],
    buckets=LATENCY_BUCKETS,
)
RPC_TIMEOUTS = Counter(
    "sme_gateway_rpc_timeouts_total", "RPCs that got no answer within their timeout", ["service", "method"]
)
RPC_UNAVAILABLE = Counter(
    "sme_gateway_rpc_unavailable_total", "RPCs that failed for a broken or unreachable broker", ["service", "method"]
)


class TelemetryRpcClient(RpcClient):
    """The RPC client that sends the request's correlation id along and
    times every call."""

    def context_data(self):
        correlation_id = logs.current()
        return {contracts.CORRELATION_CONTEXT_KEY: correlation_id} if correlation_id else {}

    def call(self, service, method, *args, **kwargs):
        started = time.perf_counter()
        try:
            return super().call(service, method, *args, **kwargs)
        except ServiceUnavailable as exc:
            counter = RPC_TIMEOUTS if str(exc).endswith("timed out") else RPC_UNAVAILABLE
            counter.labels(service, method).inc()
            raise
        finally:
            RPC_SECONDS.labels(service, method).observe(time.perf_counter() - started)


def _begin():
    from flask import current_app

    trusted = current_app.config["TRUST_REQUEST_ID"]
    given = logs.accept_id(request.headers.get(contracts.REQUEST_ID_HEADER)) if trusted else None
    g.correlation_id = given or logs.new_id()
    g.correlation_token = logs.CORRELATION.set(g.correlation_id)
    g.request_started = time.perf_counter()


def _finish(response):
    correlation_id = g.get("correlation_id")
    if correlation_id:
        response.headers[contracts.REQUEST_ID_HEADER] = correlation_id
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    REQUESTS.labels(route, request.method, str(response.status_code)).inc()
    started = g.get("request_started")
    if started is not None:
        REQUEST_SECONDS.labels(route, request.method).observe(time.perf_counter() - started)
    return response


def _end(_exc=None):
    token = g.pop("correlation_token", None)
    if token is not None:
        logs.CORRELATION.reset(token)


def metrics():
    from flask import current_app

    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return Response("unauthorized\n", status=401, mimetype="text/plain")
    elif not current_app.config["DEVELOPMENT"] and request.headers.get("X-Forwarded-For"):
        return Response("not found\n", status=404, mimetype="text/plain")
    registry = REGISTRY
    if multiprocess_mode():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def multiprocess_mode():
    """Whether the metrics live in PROMETHEUS_MULTIPROC_DIR's files: decided
    once, when prometheus_client was imported with that variable set."""
    from prometheus_client import values

    return values.ValueClass is not values.MutexValue and bool(os.environ.get(contracts.ENV_PROMETHEUS_MULTIPROC_DIR))


def init_app(app, config):
    """Register first: the correlation id must exist before the session is
    resolved (that is an RPC too)."""
    app.config["TRUST_REQUEST_ID"] = cfg.trusted_proxies(config) > 0
    app.config["METRICS_TOKEN"] = cfg.get(contracts.ENV_METRICS_TOKEN, config)
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_end)
    app.add_url_rule("/metrics", view_func=metrics)
