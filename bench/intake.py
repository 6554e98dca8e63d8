"""Tenant intake burst benchmark (not a test): a base asks its tenants to scan
the QR code at one meeting.

    .venv/bin/python -m bench.intake [--clients 200] [--concurrency 200] [--flow both|page|steps]

Starts the whole system exactly as `make run` does (deploy/local.py's
System: five `nameko run` processes and the gunicorn gateway) on a RabbitMQ
vhost and a PostgreSQL database made for the run and removed at the end. An
enterprise opens the intake link of a declaration; then N clients, each a
phone of its own (own cookies: device id, CSRF seed), go through the gateway
as a tenant does, by one of two flows:

- page: the one-page intake (what a phone with scripts does): open the link,
  确认提交 with every step, the receipt;
- steps: the page-per-step intake (a phone without scripts, and the only
  flow before the one page): open the link, each step's page and its save,
  the summary, 确认提交, the receipt.

Both press 确认提交 a second time, as an impatient thumb does. `both` (the
default) runs the steps flow, then the page flow, on the same system, each on
a declaration of its own, and prints the page flow's figures against the
steps flow's.

Prints per flow the throughput (entries and HTTP requests per second), p50/p99
latency per request kind and per complete entry, the CPU time the system's
processes spent per entry (all of them, and the gateway and tenants apart),
and verifies that every entry was stored exactly once (RPC list, database
rows, outbox events, no draft left).
"""
import argparse
import datetime as dt
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

import psutil  # noqa: E402
import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from gateway.rpc import RpcClient  # noqa: E402
from services.common import contracts as c  # noqa: E402
from services.common import outbox  # noqa: E402
from services.common.errors import BadState  # noqa: E402
from services.common.principal import Principal  # noqa: E402
from services.tenants import steps  # noqa: E402
from tests.support.identifiers import credit_code  # noqa: E402
from tests.support.system import running_system  # noqa: E402

OWNER = Principal(kind=c.ENTERPRISE, id="bench-enterprise", region_code="320102")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
ONE_PAGE_FORM = re.compile(r'<form id="intake-form" method="post" action="([^"]+)"')
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

    def by_steps(self, data):
        """The page-per-step flow: 6 page views, 4 POSTs (and the second press)."""
        self.request("open link", "GET", "", 200)
        csrf = None
        for key in steps.STEP_KEYS:
            page = self.request("step page", "GET", f"/step/{key}", 200)
            form = dict(HIDDEN.findall(page.text))
            csrf = form["csrf_token"]
            self.request("save step", "POST", f"/step/{key}", 302, data={**form, **data[key]})
        self.request("summary", "GET", "/summary", 200)
        done = self.request("确认提交", "POST", "/submit", 302, data={"csrf_token": csrf})
        again = self.request("确认提交 again", "POST", "/submit", 302, data={"csrf_token": csrf})
        if again.headers["Location"] != done.headers["Location"]:
            raise RuntimeError("a second 确认提交 did not return the first receipt")
        self.request("success page", "GET", urljoin(self.base + "/submit", done.headers["Location"]), 200)

    def by_page(self, data, press_twice=True):
        """The one-page flow: the page, 确认提交 with every step (pressed
        twice unless told otherwise: the second must get the same receipt),
        the receipt."""
        page = self.request("open link", "GET", "", 200)
        action = urljoin(self.base, ONE_PAGE_FORM.search(page.text).group(1))
        body = {**dict(HIDDEN.findall(page.text)), **{k: v for step in data.values() for k, v in step.items()}}
        done = self.request("确认提交", "POST", action, 303, data=body)
        if press_twice:
            again = self.request("确认提交 again", "POST", action, 303, data=body)
            if again.headers["Location"] != done.headers["Location"]:
                raise RuntimeError("a second 确认提交 did not return the first receipt")
        self.request("success page", "GET", urljoin(action, done.headers["Location"]), 200)


def processes(system):
    """{name: [psutil.Process]} of the system: each service and the gateway with its workers."""
    out = {}
    for name, proc in system.processes.items():
        try:
            parent = psutil.Process(proc.pid)
            out[name] = [parent] + parent.children(recursive=True)
        except psutil.NoSuchProcess:
            out[name] = []
    return out


def cpu_seconds(system):
    """{name: user + system CPU seconds so far} of each of the system's processes."""
    totals = {}
    for name, procs in processes(system).items():
        spent = 0.0
        for proc in procs:
            try:
                times = proc.cpu_times()
                spent += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        totals[name] = spent
    return totals


def announce(config, declaration_id):
    """declaration_started, as declarations' outbox sends it: tenants makes its copy."""
    body = outbox.envelope(
        {"declaration_id": declaration_id, "enterprise_id": OWNER.id, "region_code": OWNER.region_code, "version": 0},
        event_type=c.DECLARATION_STARTED, cause=OWNER, sequence=1, state=c.DRAFT,
    )
    outbox.publish_one(outbox.publisher(config), c.DECLARATIONS, c.DECLARATION_STARTED, body)


def open_link(rpc, config, declaration_id):
    announce(config, declaration_id)
    closes = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)).isoformat()
    for _ in range(200):
        try:
            return rpc.call(c.TENANTS, c.TENANTS_OPEN_LINK, declaration_id, "压测创业园", closes, principal=OWNER)
        except BadState:  # tenants has not handled declaration_started yet
            time.sleep(0.05)
    raise RuntimeError("tenants never learnt of the declaration")


def burst(system, token, entries, concurrency, flow):
    """N phones at once; (elapsed, timings by kind, per entry, errors, CPU seconds by process)."""
    timings, per_entry, errors = {}, [], []
    lock = threading.Lock()
    gate = threading.Semaphore(concurrency)
    barrier = threading.Barrier(len(entries) + 1)

    def tenant(data):
        local = {}
        phone = Phone(system.url, token, local)
        barrier.wait()
        with gate:
            started = time.perf_counter()
            try:
                getattr(phone, flow)(data)
            except Exception as exc:
                errors.append(exc)
            elapsed = time.perf_counter() - started
        with lock:
            per_entry.append(elapsed)
            for kind, values in local.items():
                timings.setdefault(kind, []).extend(values)

    threads = [threading.Thread(target=tenant, args=(d,), daemon=True) for d in entries]
    for thread in threads:
        thread.start()
    before = cpu_seconds(system)
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(600)
    elapsed = time.perf_counter() - started
    after = cpu_seconds(system)
    cpu = {name: after[name] - before.get(name, 0.0) for name in after}
    return {"elapsed": elapsed, "timings": timings, "per_entry": per_entry, "errors": errors, "cpu": cpu}


FLOWS = {"steps": ("by_steps", "page per step"), "page": ("by_page", "one page")}


def run(clients, concurrency, seed, flows):
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as work:
        print(f"starting the system (make run's processes) for {clients} clients ...", flush=True)
        with running_system(work) as system:
            config = {c.ENV_AMQP_URI: system.env[c.ENV_AMQP_URI],
                      c.ENV_PRINCIPAL_SECRET: system.env[c.ENV_PRINCIPAL_SECRET]}
            rpc = RpcClient(config, timeout=30)
            results = {}
            try:
                rng = random.Random(seed)
                for flow in flows:
                    declaration_id = f"bench-declaration-{flow}"
                    link = open_link(rpc, config, declaration_id)
                    entries = [entry(rng, n) for n in range(clients)]
                    method, label = FLOWS[flow]
                    results[flow] = burst(system, link["token"], entries, concurrency, method)
                    report(label, clients, concurrency, results[flow])
                    verify(rpc, system, declaration_id, entries)
            finally:
                rpc.close()
            if len(results) == 2:
                compare(clients, results["steps"], results["page"])


def figures(clients, result):
    per_entry = result["per_entry"]
    requests_done = sum(len(v) for v in result["timings"].values())
    return {
        "entries/s": clients / result["elapsed"],
        "requests per entry (+1 press)": requests_done / clients,
        "p99 entry ms": percentile(per_entry, 99) * 1000,
        "CPU ms per entry": sum(result["cpu"].values()) / clients * 1000,
        "gateway CPU ms per entry": result["cpu"].get("gateway", 0.0) / clients * 1000,
        "tenants CPU ms per entry": result["cpu"].get(c.TENANTS, 0.0) / clients * 1000,
    }


def report(label, clients, concurrency, result):
    timings, per_entry, errors = result["timings"], result["per_entry"], result["errors"]
    requests_done = sum(len(v) for v in timings.values())
    print()
    print(f"== {label}: clients {clients}, at most {concurrency} at once, wall time {result['elapsed']:.2f} s")
    print(f"throughput: {clients / result['elapsed']:.1f} entries/s, {requests_done / result['elapsed']:.1f} "
          f"HTTP requests/s, {requests_done / clients:.1f} requests per entry (the second 确认提交 included)")
    print(f"{'request':<16}{'count':>7}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for kind, values in timings.items():
        print(f"{kind:<16}{len(values):>7}{percentile(values, 50) * 1000:>10.1f}"
              f"{percentile(values, 99) * 1000:>10.1f}{max(values) * 1000:>10.1f}")
    print(f"{'whole entry':<16}{len(per_entry):>7}{percentile(per_entry, 50) * 1000:>10.1f}"
          f"{percentile(per_entry, 99) * 1000:>10.1f}{max(per_entry) * 1000:>10.1f}"
          f"   (mean {statistics.mean(per_entry) * 1000:.1f})")
    cpu = result["cpu"]
    print("CPU ms per entry: " + ", ".join(f"{name} {spent / clients * 1000:.1f}" for name, spent in cpu.items())
          + f"; all {sum(cpu.values()) / clients * 1000:.1f}")
    if errors:
        print(f"FAILED clients: {len(errors)}; first: {errors[0]!r}")


def compare(clients, before, after):
    """The one page against the page per step, same machine, same run."""
    old, new = figures(clients, before), figures(clients, after)
    print()
    print(f"{'':<32}{'page per step':>15}{'one page':>12}{'ratio':>9}")
    for key in old:
        ratio = new[key] / old[key] if old[key] else float("nan")
        print(f"{key:<32}{old[key]:>15.1f}{new[key]:>12.1f}{ratio:>8.2f}x")


def verify(rpc, system, declaration_id, entries, owner=OWNER):
    codes = [e["basic"]["credit_code"] for e in entries]
    listed = rpc.call(c.TENANTS, c.TENANTS_LIST_ENTRIES, declaration_id, principal=owner)
    engine = create_engine(system.env[c.ENV_DATABASE_URL].replace("postgresql://", "postgresql+pg8000://", 1))
    try:
        with engine.connect() as conn:
            rows, distinct = conn.execute(text(
                "SELECT count(*), count(DISTINCT credit_code) FROM tenants.tenant_entries "
                "WHERE declaration_id = :d"), {"d": declaration_id}).one()
            events = conn.execute(text(
                "SELECT count(*) FROM tenants.outbox_events WHERE event_type = :t "
                "AND payload::text LIKE :d"),
                {"t": c.TENANT_SUBMITTED, "d": f"%{declaration_id}%"}).scalar()
            drafts = conn.execute(text(
                "SELECT count(*) FROM tenants.intake_drafts WHERE declaration_id = :d"), {"d": declaration_id}).scalar()
    finally:
        engine.dispose()
    listed_codes = sorted(e["credit_code"] for e in listed)
    checks = {
        "every entry listed exactly once": listed_codes == sorted(codes),
        "database rows = entries, codes distinct": rows == distinct == len(codes),
        "one tenant_submitted event per entry": events == len(codes),
        "no draft left behind": drafts == 0,
    }
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
    parser.add_argument("--flow", choices=("both", "page", "steps"), default="both",
                        help="the one page, the page per step, or both to compare (default)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    flows = ("steps", "page") if args.flow == "both" else (args.flow,)
    run(args.clients, args.concurrency or args.clients, args.seed, flows)


if __name__ == "__main__":
    main()
