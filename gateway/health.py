"""Health of the gateway.

- /livez: the process answers (no I/O): liveness.
- /readyz: the broker accepts a connection (answer kept READY_CACHE seconds):
  readiness. A service being down does not take the gateway out of service;
  pages that need it answer 503 '系统繁忙' by themselves.
- /healthz: every service asked over RPC at once, 503 when one does not
  answer; the answer is shared for HEALTHZ_CACHE seconds, so that any
  number of callers costs five RPCs a second or two. The public answer says
  only which services are up; timings and errors go to the log and the
  metrics.
"""
import logging
import threading
import time

from flask import current_app, jsonify

from gateway.rpc import ServiceUnavailable
from services.common import config as cfg
from services.common import contracts

log = logging.getLogger(__name__)

HEALTH_TIMEOUT = 2.0
HEALTHZ_CACHE = 1.5  # seconds
READY_CACHE = 2.0


def check_service(client, service):
    started = time.perf_counter()
    result = {"ok": False}
    try:
        result["ok"] = bool(client.call(service, contracts.RPC_HEALTH, timeout=HEALTH_TIMEOUT).get("ok"))
    except ServiceUnavailable as exc:
        result["error"] = str(exc)
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return service, result


def report():
    """{service: {ok, ms, error?}}, asked now."""
    client = current_app.extensions["rpc"]
    pool = current_app.extensions["health_pool"]
    futures = [pool.submit(check_service, client, s) for s in contracts.SERVICES]
    return dict(f.result() for f in futures)


class Cached:
    """One answer shared by every caller for `seconds`; one caller computes
    it at a time."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.lock = threading.Lock()
        self.value = None
        self.at = 0.0

    def get(self, compute):
        with self.lock:
            if self.value is None or time.monotonic() - self.at >= self.seconds:
                self.value, self.at = compute(), time.monotonic()
            return self.value


def _cache(name, seconds):
    return current_app.extensions.setdefault(name, Cached(seconds))


def healthz():
    services = _cache("healthz_cache", HEALTHZ_CACHE).get(_checked_report)
    ok = all(s["ok"] for s in services.values())
    body = {"status": "ok" if ok else "unavailable",
            "services": {name: {"ok": report["ok"]} for name, report in services.items()}}
    return jsonify(body), 200 if ok else 503


def _checked_report():
    services = report()
    for name, answer in services.items():
        if not answer["ok"]:
            log.warning("health: %s did not answer (%s, %.0f ms)", name, answer.get("error", "not ok"), answer["ms"])
    return services


def livez():
    return jsonify({"status": "ok"})


def readyz():
    ok = _cache("ready_cache", READY_CACHE).get(_broker_reachable)
    return jsonify({"status": "ok" if ok else "unavailable"}), 200 if ok else 503


def _broker_reachable():
    from kombu import Connection

    uri = cfg.get(contracts.ENV_AMQP_URI, current_app.config["SERVICES_CONFIG"])
    try:
        with Connection(uri, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception as exc:
        log.warning("readiness: broker unreachable (%s)", type(exc).__name__)
        return False


def init_app(app):
    app.add_url_rule("/healthz", view_func=healthz)
    app.add_url_rule("/livez", view_func=livez)
    app.add_url_rule("/readyz", view_func=readyz)
