"""/healthz: every service asked over RPC at once; 503 when one does not answer."""
import time

from flask import current_app, jsonify

from gateway.rpc import ServiceUnavailable
from services.common import contracts as c

HEALTH_TIMEOUT = 2.0


def check_service(client, service):
    started = time.perf_counter()
    result = {"ok": False}
    try:
        result["ok"] = bool(client.call(service, c.RPC_HEALTH, timeout=HEALTH_TIMEOUT).get("ok"))
    except ServiceUnavailable as exc:
        result["error"] = str(exc)
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return service, result


def report():
    client = current_app.extensions["rpc"]
    pool = current_app.extensions["health_pool"]
    futures = [pool.submit(check_service, client, s) for s in c.SERVICES]
    return dict(f.result() for f in futures)


def healthz():
    services = report()
    status = 200 if all(s["ok"] for s in services.values()) else 503
    return jsonify({"services": services}), status
