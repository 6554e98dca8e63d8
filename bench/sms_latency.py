"""SMS request -> provider latency, for bench/http.py: 获取验证码 pressed
over HTTP (the register page's script call, POST /sms-code) and the moment
the SMS provider — tests/support/sms_gateway.py, a real JSON-over-HTTP
gateway on loopback that checks every request's signature — receives the
message for that phone. Both instants are read in this process with one
clock (time.monotonic).

Every request comes from 127.0.0.1; the gateway trusts one proxy for the
run (TRUSTED_PROXIES=1) and each request names another client address in
X-Forwarded-For, as a proxy in front of many users would, so the
per-address limit of codes does not stop the run. Each request is for a
phone of its own (the per-phone limits). The requests come at a steady
rate (open loop, `--code-rate`): the figure is the latency at that rate,
not the most the pipeline can take."""
import io
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from bench.load import Run
from services.common import contracts as c
from tests.support.sms_gateway import SmsGateway

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class TimedSmsGateway(SmsGateway):
    """The test SMS gateway, noting when each phone's first message arrived."""

    def __init__(self):
        super().__init__()
        self.arrived = {}

    def _handle(self, request):
        at = time.monotonic()
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        try:
            phone = json.loads(body.decode("utf-8")).get("phone")
        except ValueError:
            phone = None
        if phone:
            with self._lock:
                self.arrived.setdefault(phone, at)
        request.rfile = io.BytesIO(body)  # the gateway reads and checks the request as sent
        super()._handle(request)


def settings(gateway):
    """The environment the system runs with for this measurement."""
    return {**gateway.settings(), c.ENV_TRUSTED_PROXIES: "1"}


def address(n):
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def measure(base_url, gateway, requests_count=100, rate=10.0, wait=10.0):
    """`requests_count` codes asked for at `rate` a second (open loop: each
    at its planned moment, whatever the answers before it took); a Run of
    the latencies (request sent -> provider received), errors for codes
    refused or never delivered within `wait` seconds."""
    sent, errors, lock = {}, [], threading.Lock()
    local = threading.local()

    def session():
        if not hasattr(local, "http"):
            local.http = requests.Session()
            page = local.http.get(base_url + "/register", timeout=30).text
            local.csrf = CSRF_META.search(page).group(1)
        return local.http, local.csrf

    def one(n, at):
        http, csrf = session()
        time.sleep(max(0.0, at - time.monotonic()))
        phone = f"139{n:08d}"
        with lock:
            sent[phone] = time.monotonic()
        answer = http.post(base_url + "/sms-code", json={"purpose": "register", "contact_phone": phone},
                           headers={"X-CSRF-Token": csrf, "X-Forwarded-For": address(n)}, timeout=30)
        if answer.status_code != 200:
            raise RuntimeError(f"获取验证码: HTTP {answer.status_code}: {answer.text[:200]}")

    started = time.monotonic() + 1.0  # the senders' sessions opened first
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = [pool.submit(one, n, started + n / rate) for n in range(requests_count)]
        for future in futures:
            try:
                future.result(timeout=300)
            except Exception as exc:  # reported with the run
                errors.append(exc)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and len(gateway.arrived) < len(sent) - len(errors):
        time.sleep(0.05)
    latencies = [gateway.arrived[p] - at for p, at in sent.items() if p in gateway.arrived]
    missing = len(sent) - len(latencies) - len(errors)
    if missing > 0:
        errors.append(RuntimeError(f"{missing} codes asked for never reached the SMS gateway within {wait:.0f} s"))
    return Run(latencies, time.monotonic() - started, errors)
