"""Tenant intake burst benchmark (not a test): a base asks its tenants to scan
the QR code at one meeting.

    .venv/bin/python -m bench.intake [--clients 200] [--concurrency 200]

Starts the whole system exactly as `make run` does (deploy/local.py's
System: five `nameko run` processes and the gunicorn gateway) on a RabbitMQ
vhost and a PostgreSQL database made for the run and removed at the end. An
enterprise starts a declaration through the portal and opens its intake
link; then N clients, each a
phone of its own (own cookies: device id, CSRF seed), go through the gateway
as a tenant does: open the link, 所属基地信息, 基本信息, 运营数据, the summary,
确认提交 — and press 确认提交 a second time, as an impatient thumb does.

Prints the throughput (entries and HTTP requests per second), p50/p99
latency per request kind and per complete entry, and verifies that every
entry was stored exactly once (RPC list, database rows, outbox events).
"""
import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.common import known_warnings  # noqa: E402

known_warnings.quiet()  # before the libraries that warn on import

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from gateway.rpc import RpcClient  # noqa: E402
from services.common import contracts as c  # noqa: E402
from services.common.principal import Principal  # noqa: E402
from services.tenants import steps  # noqa: E402
from tests.support.identifiers import credit_code  # noqa: E402
from tests.support.system import running_system  # noqa: E402
from bench.http_parts import open_intake_link  # noqa: E402

DECLARATION = "bench-declaration"
OWNER = Principal(kind=c.ENTERPRISE, id="bench-enterprise", region_code="320102")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
UA = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Mobile MicroMessenger/8.0.47"


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def entry(rng, n):
    return {
        "base": {"move_in_date": "2024-03-01", "leased_area": f"{rng.randint(20, 900)}.50"},
        "basic": {
            "company_name": f"压测入驻企业{n:04d}有限公司",
            "credit_code": credit_code(rng=rng),
            "founded_on": "2020-06-18",
            "size": rng.choice(steps.SIZES),
            "industry": rng.choice(steps.INDUSTRIES),
            "contact_name": "张三",
            "contact_mobile": "139" + f"{rng.randint(0, 99999999):08d}",
        },
        "operations": {
            "employees": str(rng.randint(1, 300)),
            "revenue": f"{rng.randint(0, 99999)}.{rng.randint(0, 99):02d}",
            "tax": "12.30",
            "rd_expense": "5",
            "patents": "1",
            "software_copyrights": "2",
            "financing": "0",
            "qualifications": ["科技型中小企业"],
        },
    }


class Phone:
    """One tenant's phone: its own cookies, timing every request."""

    def __init__(self, base_url, token, timings):
        self.http = requests.Session()
        self.http.headers["User-Agent"] = UA
        self.base = base_url + "/intake/" + token
        self.timings = timings

    def request(self, kind, method, path, expect, **kwargs):
        url = path if path.startswith("http") else self.base + path
        started = time.perf_counter()
        response = self.http.request(method, url, allow_redirects=False, timeout=60, **kwargs)
        self.timings.setdefault(kind, []).append(time.perf_counter() - started)
        if response.status_code != expect:
            raise RuntimeError(f"{kind}: HTTP {response.status_code} (expected {expect}): {response.text[:300]}")
        return response

    def submit_entry(self, data):
        self.request("open link", "GET", "", 200)
        csrf = None
        for key in steps.STEP_KEYS:
            page = self.request("step page", "GET", f"/step/{key}", 200)
            csrf = CSRF.search(page.text).group(1)
            self.request("save step", "POST", f"/step/{key}", 302, data={**data[key], "csrf_token": csrf})
        self.request("summary", "GET", "/summary", 200)
        done = self.request("确认提交", "POST", "/submit", 302, data={"csrf_token": csrf})
        again = self.request("确认提交 again", "POST", "/submit", 302, data={"csrf_token": csrf})
        if again.headers["Location"] != done.headers["Location"]:
            raise RuntimeError("a second 确认提交 did not return the first receipt")
        self.request("success page", "GET", urljoin(self.base + "/submit", done.headers["Location"]), 200)


def real_declaration(system):
    """A declaration started through the portal by an enterprise of the run
    (the tenants service hears of it by event): (its id, the enterprise's
    principal)."""
    from bench.http import Enterprise
    from bench.http_parts import enterprise_sessions, seed_demo

    seed_demo(system.env)
    (account, token), = enterprise_sessions(system.env, 1)
    enterprise = Enterprise(system.url, token)
    enterprise.open_declaration()
    return enterprise.declaration, Principal(kind=c.ENTERPRISE, id=account, region_code="320102")


def run(clients, concurrency, seed):
    # Every phone of the run comes from 127.0.0.1: no per-address intake limit.
    os.environ[c.ENV_INTAKE_PER_IP_PER_MINUTE] = "0"
    os.environ[c.ENV_INTAKE_PER_DEVICE_PER_MINUTE] = "0"
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as work:
        print(f"starting the system (make run's processes) for {clients} clients ...", flush=True)
        with running_system(work) as system:
            config = {c.ENV_AMQP_URI: system.env[c.ENV_AMQP_URI],
                      c.ENV_PRINCIPAL_SECRET: system.env[c.ENV_PRINCIPAL_SECRET]}
            rpc = RpcClient(config, timeout=30)
            try:
                declaration, owner = real_declaration(system)
                link = open_intake_link(rpc, declaration, owner)
                rng = random.Random(seed)
                entries = [entry(rng, n) for n in range(clients)]
                timings, per_entry, errors = {}, [], []
                lock = threading.Lock()
                gate = threading.Semaphore(concurrency)
                barrier = threading.Barrier(clients + 1)

                def tenant(data):
                    local = {}
                    phone = Phone(system.url, link["token"], local)
                    barrier.wait()
                    with gate:
                        started = time.perf_counter()
                        try:
                            phone.submit_entry(data)
                        except Exception as exc:
                            errors.append(exc)
                        elapsed = time.perf_counter() - started
                    with lock:
                        per_entry.append(elapsed)
                        for kind, values in local.items():
                            timings.setdefault(kind, []).extend(values)

                threads = [threading.Thread(target=tenant, args=(d,), daemon=True) for d in entries]
                for t in threads:
                    t.start()
                barrier.wait()
                started = time.perf_counter()
                for t in threads:
                    t.join(600)
                elapsed = time.perf_counter() - started

                report(clients, concurrency, elapsed, timings, per_entry, errors)
                verify(rpc, system, entries, declaration, owner)
            finally:
                rpc.close()


def report(clients, concurrency, elapsed, timings, per_entry, errors):
    requests_done = sum(len(v) for v in timings.values())
    print()
    print(f"clients {clients}, at most {concurrency} at once, wall time {elapsed:.2f} s")
    print(f"throughput: {clients / elapsed:.1f} entries/s, {requests_done / elapsed:.1f} HTTP requests/s")
    print(f"{'request':<16}{'count':>7}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for kind, values in timings.items():
        print(f"{kind:<16}{len(values):>7}{percentile(values, 50) * 1000:>10.1f}"
              f"{percentile(values, 99) * 1000:>10.1f}{max(values) * 1000:>10.1f}")
    print(f"{'whole entry':<16}{len(per_entry):>7}{percentile(per_entry, 50) * 1000:>10.1f}"
          f"{percentile(per_entry, 99) * 1000:>10.1f}{max(per_entry) * 1000:>10.1f}"
          f"   (mean {statistics.mean(per_entry) * 1000:.1f})")
    if errors:
        print(f"FAILED clients: {len(errors)}; first: {errors[0]!r}")


def verify(rpc, system, entries, declaration=DECLARATION, owner=OWNER):
    codes = [e["basic"]["credit_code"] for e in entries]
    listed = rpc.call(c.TENANTS, c.TENANTS_LIST_ENTRIES, declaration, principal=owner)
    engine = create_engine(system.env[c.ENV_DATABASE_URL].replace("postgresql://", "postgresql+pg8000://", 1))
    try:
        with engine.connect() as conn:
            rows, distinct = conn.execute(text(
                "SELECT count(*), count(DISTINCT credit_code) FROM tenants.tenant_entries "
                "WHERE declaration_id = :d"), {"d": declaration}).one()
            events = conn.execute(text(
                "SELECT count(*) FROM tenants.outbox_events WHERE event_type = :t"),
                {"t": c.TENANT_SUBMITTED}).scalar()
            drafts = conn.execute(text("SELECT count(*) FROM tenants.intake_drafts")).scalar()
    finally:
        engine.dispose()
    listed_codes = sorted(e["credit_code"] for e in listed)
    checks = {
        "every entry listed exactly once": listed_codes == sorted(codes),
        "database rows = entries, codes distinct": rows == distinct == len(codes),
        "one tenant_submitted event per entry": events == len(codes),
        "no draft left behind": drafts == 0,
    }
    print()
    for label, ok in checks.items():
        print(f"[{'ok' if ok else 'FAILED'}] {label}")
    if not all(checks.values()):
        print(f"listed {len(listed)}, rows {rows}, distinct {distinct}, events {events}, drafts {drafts}, "
              f"expected {len(codes)}")
        raise SystemExit(1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200, help="tenants submitting (default 200)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="how many are busy at once (default: all of them)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    run(args.clients, args.concurrency or args.clients, args.seed)


if __name__ == "__main__":
    main()
