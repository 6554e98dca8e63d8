"""HTTP benchmark (not a test): `make bench-http`, or

    .venv/bin/python -W ignore -m bench.http [--clients 8] [--saves 50] [--phones 50]
        [--entries 200] [--cases 10000] [--codes 100] [--code-rate 10] [--rounds 2] [--skip intake,province,sms]

Starts the whole system as `make run` does (five `nameko run` processes and
the gunicorn gateway, gthread 1x8) on a RabbitMQ vhost and a PostgreSQL
database made for the run, and beside it bench/single_app.py, a single
Flask + SQLAlchemy + pg8000 process under the same gunicorn settings with a
database of its own doing the same work per 申请表 save -- twice: with
pg8000 as installed (the yardstick of the targets) and with the project's
own changes to pg8000 (the same driver as the services, so that what is
left is the cost of the split). Then, over HTTP:

- the save: `--clients` enterprises (each its own account, session and
  declaration) POST the 申请表 `--saves` times each, on the three, in
  alternating rounds; throughput, p50/p99 and the CPU per save of the
  processes involved (gateway, declarations, accounts; the single app) and
  of their PostgreSQL backends, read from /proc/<pid>/stat;
- the intake flow: `--entries` tenants, `--phones` at a time, through the
  QR-code pages (bench/intake.py's phones), stored exactly once;
- the province list: `--cases` cases written straight into the review
  service's tables, pending at the province, and the province reviewer
  paging through /console/cases;
- SMS: `--codes` 获取验证码 over HTTP, each to a phone of its own, timed
  from the request to the moment a real HTTP SMS gateway on loopback
  receives the message (bench/sms_latency.py);
- resident memory of every process.

Prints each figure beside the targets (see bench/README.md). Asserts
nothing; exits non-zero only when the system could not be driven.
"""
import argparse
import os
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.common import known_warnings  # noqa: E402

known_warnings.quiet()  # before the libraries that warn on import

import requests  # noqa: E402

from bench import http_parts as parts  # noqa: E402
from bench import single_app  # noqa: E402
from bench import sms_latency  # noqa: E402
from bench.load import drive  # noqa: E402
from services.common import contracts as c  # noqa: E402
from tests.support.system import running_system  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Enterprise:
    """One enterprise's browser on the gateway, its declaration open."""

    def __init__(self, base_url, token):
        self.base = base_url
        self.http = requests.Session()
        self.http.cookies.set("sme_session", token, domain="127.0.0.1", path="/")
        self.declaration = None
        self.csrf = None

    def open_declaration(self):
        listing = self.http.get(self.base + "/center/declarations", timeout=30)
        start = re.search(r'href="(/center/declarations/start/[^"]+)"', listing.text)
        if not start:
            raise RuntimeError(f"认定申报 offers no 开始申报 (HTTP {listing.status_code})")
        page = self.http.get(self.base + start.group(1), timeout=30)
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
        done = self.http.post(self.base + start.group(1), allow_redirects=False, timeout=30, data={
            "accept": "1", "csrf_token": CSRF.search(page.text).group(1),
            "idempotency_key": key.group(1) if key else uuid.uuid4().hex})
        if done.status_code != 302:
            raise RuntimeError(f"开始申报: HTTP {done.status_code}: {done.text[:300]}")
        self.declaration = done.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        form = self.http.get(self.url, timeout=30)
        self.csrf = CSRF.search(form.text).group(1)

    @property
    def url(self):
        return f"{self.base}/center/declarations/{self.declaration}/sections/application"

    def save(self):
        done = self.http.post(self.url, allow_redirects=False, timeout=60, data={
            **parts.application(), "csrf_token": self.csrf, "idempotency_key": uuid.uuid4().hex})
        if done.status_code != 302:
            raise RuntimeError(f"保存申请表: HTTP {done.status_code}: {done.text[:300]}")


class SingleClient:
    """One enterprise's browser on the single app."""

    def __init__(self, base_url, token, declaration):
        self.http = requests.Session()
        self.http.cookies.set("sme_session", token, domain="127.0.0.1", path="/")
        self.url = f"{base_url}/d/{declaration}/application"
        form = self.http.get(self.url, timeout=30)
        self.csrf = CSRF.search(form.text).group(1)

    def save(self):
        done = self.http.post(self.url, allow_redirects=False, timeout=60, data={
            **parts.application(), "csrf_token": self.csrf})
        if done.status_code != 302:
            raise RuntimeError(f"single app save: HTTP {done.status_code}: {done.text[:300]}")


def fresh(clients):
    """The clients without their keep-alive connections: one left idle
    through the other system's round may be closed by its server just as
    it is reused (the first request then fails with a reset)."""
    for client in clients:
        client.http.close()
    return clients


def measure_saves(system, singles, args):
    """Alternating rounds of the same save on the split system and on each
    single app (by driver); the runs of each."""
    accounts = parts.enterprise_sessions(system.env, args.clients)
    enterprises = [Enterprise(system.url, token) for _account, token in accounts]
    for e in enterprises:
        e.open_declaration()
    drivers = {}
    for single in singles:
        browsers = [SingleClient(single.url, token, declaration) for token, declaration in single.seeded]
        drivers[single.driver] = (browsers, parts.single_meter(single))
    gateway_meter = parts.system_meter(system, (c.DECLARATIONS, c.ACCOUNTS))
    runs = {"split": [], **{driver: [] for driver in drivers}}
    for _ in range(args.rounds):
        for driver, (browsers, meter) in drivers.items():
            runs[driver].append(drive(fresh(browsers), args.saves, SingleClient.save, meter))
        runs["split"].append(drive(fresh(enterprises), args.saves, Enterprise.save, gateway_meter))
    return {name: parts.merge(rs) for name, rs in runs.items()}, (enterprises[0].declaration, accounts[0][0])


def run(args):
    results = {}
    # Every phone of the run comes from 127.0.0.1: no per-address intake limit.
    os.environ[c.ENV_INTAKE_PER_IP_PER_MINUTE] = "0"
    os.environ[c.ENV_INTAKE_PER_DEVICE_PER_MINUTE] = "0"
    sms_gateway = sms_latency.TimedSmsGateway().start()
    os.environ.update(sms_latency.settings(sms_gateway))
    with tempfile.TemporaryDirectory(prefix="bench-http-") as work:
        print("starting the system (make run's processes) and the single app ...", flush=True)
        with running_system(work) as system, \
                parts.SingleApp(work, args.clients, single_app.STOCK) as stock, \
                parts.SingleApp(work, args.clients, single_app.PROJECT) as same_driver:
            parts.seed_demo(system.env)
            print(f"save: {args.clients} clients x {args.saves} saves x {args.rounds} rounds on each ...",
                  flush=True)
            results["save"], (declaration, owner) = measure_saves(system, (stock, same_driver), args)
            if "intake" not in args.skip:
                print(f"intake: {args.entries} entries, {args.phones} phones at a time ...", flush=True)
                results["intake"] = parts.measure_intake(system, declaration, owner, args.entries, args.phones)
            if "province" not in args.skip:
                print(f"province list: {args.cases} cases ...", flush=True)
                results["province"] = parts.measure_province_list(system, args.cases, args.pages)
            if "sms" not in args.skip:
                print(f"SMS: {args.codes} codes asked for, {args.code_rate:g} a second ...", flush=True)
                results["sms"] = sms_latency.measure(system.url, sms_gateway, args.codes, args.code_rate)
            results["memory"] = parts.memory(system, stock)
    sms_gateway.stop()
    parts.report(results, args)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="enterprises saving at once (default 8)")
    parser.add_argument("--saves", type=int, default=50, help="saves per client per round (default 50)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per system (default 2)")
    parser.add_argument("--phones", type=int, default=50, help="intake phones at once (default 50)")
    parser.add_argument("--entries", type=int, default=200, help="intake entries in all (default 200)")
    parser.add_argument("--cases", type=int, default=10000, help="cases in the province list (default 10,000)")
    parser.add_argument("--pages", type=int, default=100, help="list pages the reviewer opens (default 100)")
    parser.add_argument("--codes", type=int, default=100, help="SMS codes asked for (default 100)")
    parser.add_argument("--code-rate", type=float, default=10.0, help="SMS codes asked for a second (default 10)")
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out: intake, province, sms")
    args = parser.parse_args(argv)
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    started = time.perf_counter()
    run(args)
    print(f"\nmeasured in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
