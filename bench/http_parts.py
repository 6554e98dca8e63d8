"""The pieces of bench/http.py: the single app's process, the accounts and
cases written straight into the databases, the intake and province-list
runs, CPU groups, and the report."""
import datetime as dt
import html
import os
import random
import re
import subprocess
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urljoin

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench import single_app
from bench.load import CpuMeter, Run, drive, percentile, process_tree, rss_mb
from deploy.local import gateway_command
from services.common import contracts as c
from services.common.db import make_engine, normalise_url
from tests.support import database
from tests.support.identifiers import credit_code
from tests.support.system import free_port

ROOT = Path(__file__).resolve().parents[1]

APPLICATION = {
    "base_name": "玄武创业园", "legal_representative": "张三", "base_type": "创业园", "founded_on": "2015-06-01",
    "region_code": "320102", "address": "南京市玄武区珠江路1号", "industry": "软件和信息技术服务业",
    "total_area": "12000.50", "own_area": "2000", "leased_area": "10000.50", "investment": "3500",
    "revenue": "1000", "tenant_count": "1", "small_micro_count": "1", "tenant_employees": "35",
    "service_staff": "2", "mentors": "1", "partner_count": "1", "contact": "李四", "contact_mobile": "13912345678",
    "introduction": "基地简介", "cases": "典型服务案例",
}



def application():
    """The 申请表 as a user saves it again: one figure changed each time, so
    every save writes."""
    return {**APPLICATION, "revenue": str(random.randint(1000, 99999))}


TARGETS = {  # name: (limit, "min" | "max", unit)
    "save throughput vs single app": (0.8, "min", "x"),
    "save p99 vs single app": (2.0, "max", "x"),
    "CPU per save vs single app": (2.0, "max", "x"),
}
SAME_DRIVER = ", same pg8000"  # the single app with the services' changes to the driver
TARGETS |= {name + SAME_DRIVER: TARGETS[name] for name in list(TARGETS)}
TARGETS |= {
    "intake entries per second": (60, "min", "/s"),
    "intake flow p99": (1.2, "max", "s"),
    "intake CPU per entry": (25, "max", "ms"),
    "province list p99": (50, "max", "ms"),
    "SMS request -> provider p99": (200, "max", "ms"),
    "resident memory per service": (120, "max", "MB"),
}


# --- the single app -----------------------------------------------------------------
class SingleApp:
    """bench/single_app.py under gunicorn gthread 1x8 (the gateway's
    command), its own database seeded with `clients` enterprises; pg8000 as
    installed (`single_app.STOCK`) or with the project's changes (`PROJECT`)."""

    def __init__(self, work_dir, clients, driver=single_app.STOCK):
        self.work_dir = Path(work_dir)
        self.clients = clients
        self.driver = driver
        self.database_url = None
        self.process = None
        self.seeded = []
        self.url = None

    @property
    def log_path(self):
        return self.work_dir / f"single_app_{self.driver}.log"

    def __enter__(self):
        self.database_url = database.create_database("sme_single")
        single_app.create(self.database_url)
        self.seeded = single_app.seed(self.database_url, self.clients)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = gateway_command("127.0.0.1", port)
        command[-1] = "bench.single_app:app_from_environment()"
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONWARNINGS="ignore",
                   BENCH_SINGLE_DATABASE_URL=self.database_url, BENCH_SINGLE_DRIVER=self.driver)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        self._wait()
        return self

    def _wait(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.log_path.read_text(errors="replace")[-2000:])
            try:
                urllib.request.urlopen(self.url + "/", timeout=2)
            except urllib.error.HTTPError:
                return  # it answers (404)
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("the single app did not start")

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
        if self.database_url:
            database.drop_database(self.database_url)


# --- seeding -------------------------------------------------------------------------
def seed_demo(env):
    """What `make run` does on a first start in development: the demo batch
    and the demo staff."""
    from deploy.local import seed_demo as seed

    return seed(dict(env))


def enterprise_sessions(env, count):
    """`count` enterprise accounts written straight into the accounts
    service's tables (registration is not what is measured), each with a
    session: [(account id, session token: the cookie value)]."""
    from services.accounts import sessions
    from services.accounts.models import Account, Enterprise

    engine = make_engine(c.ACCOUNTS, dict(env))
    rng = random.Random(7)
    tokens = []
    now = dt.datetime.now(dt.timezone.utc)
    try:
        with Session(engine) as session, session.begin():
            for n in range(count):
                account_id = str(uuid.uuid4())
                session.add(Account(id=account_id, kind=c.ENTERPRISE, namespace="enterprise",
                                    username=f"bench{n:03d}{uuid.uuid4().hex[:6]}", password_hash="!",
                                    display_name=f"压测运营主体{n}有限公司", region_code="320102", created_at=now))
                session.flush()
                session.add(Enterprise(id=account_id, name=f"压测运营主体{n}有限公司",
                                       credit_code=credit_code(rng=rng, region="320102"), region_code="320102",
                                       contact_name="李四", contact_phone="13912345678", licence_key="bench",
                                       licence_type="image/png", licence_sha256="0" * 64, consent_at=now))
                tokens.append((account_id, sessions.start(session, account_id)))
    finally:
        engine.dispose()
    return tokens


# --- CPU groups ------------------------------------------------------------------------
def backends(database_url):
    """The pids of PostgreSQL's backends serving a database (same machine)."""
    name = normalise_url(database_url).database
    engine = create_engine(database.ADMIN_URL)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": name})]
    finally:
        engine.dispose()


def system_meter(system, services):
    groups = {"gateway": lambda: process_tree(system.processes["gateway"].pid)}
    for service in services:
        groups[service] = (lambda s: lambda: [system.processes[s].pid])(service)
    groups["postgres"] = lambda: backends(system.env[c.ENV_DATABASE_URL])
    groups["rabbitmq"] = broker_processes  # shown apart: the single app has no broker
    return CpuMeter(groups)


def broker_processes():
    """The RabbitMQ node's Erlang VM (every vhost's work, this run's and any other's)."""
    found = subprocess.run(["pgrep", "-f", "beam.smp"], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


def all_services_meter(system):
    return system_meter(system, c.SERVICES)


def single_meter(single):
    return CpuMeter({"single": lambda: process_tree(single.process.pid),
                     "postgres": lambda: backends(single.database_url)})


def merge(runs):
    cpu = {}
    for r in runs:
        for name, seconds in r.cpu.items():
            cpu[name] = cpu.get(name, 0.0) + seconds
    return Run([x for r in runs for x in r.latencies], sum(r.elapsed for r in runs),
               [e for r in runs for e in r.errors], cpu)


# --- intake ------------------------------------------------------------------------------
def open_intake_link(rpc, declaration, owner, timeout=30):
    """The intake link of the declaration, opened by its enterprise once the
    tenants service has heard of the declaration (by event)."""
    from services.common.errors import BadState

    closes = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)).isoformat()
    deadline = time.monotonic() + timeout
    while True:
        try:
            return rpc.call(c.TENANTS, c.TENANTS_OPEN_LINK, declaration, "压测创业园", closes, principal=owner)
        except BadState:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def measure_intake(system, declaration, owner_id, entries, phones):
    """`entries` tenants through the QR-code pages of the declaration,
    `phones` at a time (each entry a phone of its own); the run and whether
    each was stored once."""
    from bench import intake
    from gateway.rpc import RpcClient
    from services.common.principal import Principal

    owner = Principal(kind=c.ENTERPRISE, id=owner_id, region_code="320102")
    config = {c.ENV_AMQP_URI: system.env[c.ENV_AMQP_URI], c.ENV_PRINCIPAL_SECRET: system.env[c.ENV_PRINCIPAL_SECRET]}
    rpc = RpcClient(config, timeout=30)
    try:
        link = open_intake_link(rpc, declaration, owner)
        rng = random.Random(3)
        data = [intake.entry(rng, n) for n in range(entries)]
        queue, lock, timings = list(data), threading.Lock(), {}

        def one_entry(_phone):
            with lock:
                item = queue.pop()
            intake.Phone(system.url, link["token"], timings).by_page(item, press_twice=False)

        per_phone = entries // phones
        result = drive(list(range(phones)), per_phone, one_entry, all_services_meter(system), warm_up=0)
        stored = data[len(data) - per_phone * phones:]
        try:
            intake.verify(rpc, system, declaration, stored, owner)
            once = True
        except SystemExit:
            once = False
        result.kinds = timings
        return result, once
    finally:
        rpc.close()


# --- the province list ---------------------------------------------------------------------
def seed_cases(env, count):
    """`count` cases pending at the province, straight into review's table."""
    engine = make_engine(c.REVIEW, dict(env))
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO review_cases (declaration_id, enterprise_id, batch_id, batch_name, base_name, "
                "enterprise_name, credit_code, region_code, city_code, state, level, version, revision, "
                "resubmission, submitted_at, first_submitted_at, summary, updated_at) "
                "SELECT 'bench-' || g, 'bench-ent-' || g, 'bench-batch', '压测批次', '压测基地' || g, "
                "'压测运营主体' || g || '有限公司', lpad(g::text, 18, '9'), "
                "(ARRAY['320102','320104','320205','320583','321002'])[1 + mod(g, 5)], "
                "(ARRAY['320100','320100','320200','320500','321000'])[1 + mod(g, 5)], "
                ":state, :level, 1, 1, false, now() - g * interval '1 minute', "
                "now() - g * interval '1 minute', json_build_object('reference', 'BENCH' || g, "
                "'tenant_count', mod(g, 90), 'revenue', mod(g, 5000)), now() "
                "FROM generate_series(1, :n) AS g"), {"n": count, "state": c.PENDING_PROVINCE, "level": c.PROVINCE})
    finally:
        engine.dispose()


PAGER_LINK = re.compile(r'<a href="([^"]+)">(首页|上一页|下一页)</a>')


def measure_province_list(system, cases, pages):
    from tests.deploy.rehearsal import staff_login

    seed_cases(system.env, cases)
    reviewer = staff_login(system.url, "demo_jiangsu", "demo2026province")
    rng = random.Random(5)
    where = {"url": f"{system.url}/console/cases", "links": {}}

    def open_page(_client):
        """The reviewer's next click on the pager, as the page offers it:
        下一页 mostly, now and then 上一页 or 首页."""
        choice = rng.choices(("下一页", "上一页", "首页"), weights=(8, 1, 1))[0]
        url = where["links"].get(choice) or where["links"].get("下一页") or where["url"]
        response = reviewer.http.get(url, timeout=60)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")
        where["links"] = {label: urljoin(url, html.unescape(href)) for href, label in PAGER_LINK.findall(response.text)}

    return drive([None], pages, open_page, all_services_meter(system))


# --- memory and the report -----------------------------------------------------------------
def memory(system, single):
    out = {}
    for name, proc in system.processes.items():
        pids = process_tree(proc.pid)
        sizes = [rss_mb(pid) for pid in pids]
        out[name] = max((s for s in sizes if s), default=None)  # gunicorn: its largest (the worker)
    out["single app (worker)"] = max((rss_mb(p) or 0 for p in process_tree(single.process.pid)), default=None)
    return out


def verdict(name, value):
    limit, kind, _unit = TARGETS[name]
    if value is None or value != value:
        return "not measured"
    ok = value >= limit if kind == "min" else value <= limit
    return "met" if ok else "NOT met"


def ms(seconds):
    return f"{seconds * 1000:8.1f} ms"


def print_saves(split, single, same_driver):
    print("\n申请表 save, over HTTP (same load generator, same run, alternating rounds)")
    print(f"{'':34}{'saves':>7}{'per s':>9}{'p50':>12}{'p99':>12}{'CPU/save app':>15}{'+ PostgreSQL':>14}")
    rows = (("split system", split, ("gateway", c.DECLARATIONS, c.ACCOUNTS)),
            ("single Flask app", single, ("single",)),
            ("single app, the services' pg8000", same_driver, ("single",)))
    for label, run, groups in rows:
        app = run.cpu_per_op(*groups)
        print(f"{label[:34]:34}{run.count:>7}{run.throughput:>9.1f}{ms(run.p(50)):>12}{ms(run.p(99)):>12}"
              f"{ms(app):>15}{ms(app + run.cpu_per_op('postgres')):>14}")
        if run.errors:
            print(f"   {len(run.errors)} failed; first: {str(run.errors[0])[:200]}")
    parts = ", ".join(f"{g} {ms(split.cpu_per_op(g)).strip()}" for g in ("gateway", c.DECLARATIONS, c.ACCOUNTS,
                                                                        "postgres", "rabbitmq"))
    print(f"   split system CPU per save by process: {parts} (the broker counted in neither column)")


def print_intake(result):
    run, once = result
    app = run.cpu_per_op("gateway", *c.SERVICES)
    print(f"\nintake flow: {run.count} entries in {run.elapsed:.1f} s = {run.throughput:.1f} entries/s; "
          f"per entry p50 {ms(run.p(50)).strip()}, p99 {ms(run.p(99)).strip()}; CPU per entry "
          f"{ms(app).strip()} (gateway + services), {ms(app + run.cpu_per_op('postgres')).strip()} with PostgreSQL; "
          f"stored exactly once: {'yes' if once else 'NO'}")
    shares = ", ".join(f"{g} {ms(run.cpu_per_op(g)).strip()}" for g in ("gateway", *c.SERVICES, "postgres"))
    print(f"   CPU per entry by process: {shares}")
    for kind, values in getattr(run, "kinds", {}).items():
        print(f"   {kind:<16}{len(values):>6} requests, p50 {ms(percentile(values, 50)).strip()}, "
              f"p99 {ms(percentile(values, 99)).strip()}")
    if run.errors:
        print(f"   {len(run.errors)} failed; first: {str(run.errors[0])[:200]}")


def save_figures(split, single, suffix=""):
    return {
        "save throughput vs single app" + suffix: split.throughput / single.throughput if single.throughput else None,
        "save p99 vs single app" + suffix: split.p(99) / single.p(99),
        "CPU per save vs single app" + suffix: split.cpu_per_op("gateway", c.DECLARATIONS, c.ACCOUNTS)
        / single.cpu_per_op("single"),
    }


def report(results, args):
    saves = results["save"]
    split, single, same_driver = saves["split"], saves[single_app.STOCK], saves[single_app.PROJECT]
    print_saves(split, single, same_driver)
    figures = {**save_figures(split, single), **save_figures(split, same_driver, SAME_DRIVER)}
    if "intake" in results:
        print_intake(results["intake"])
        run, _once = results["intake"]
        figures["intake entries per second"] = run.throughput
        figures["intake flow p99"] = run.p(99)
        figures["intake CPU per entry"] = run.cpu_per_op("gateway", *c.SERVICES) * 1000
    if "province" in results:
        run = results["province"]
        print(f"\nprovince list ({args.cases} cases, /console/cases pages): {run.count} pages, "
              f"p50 {ms(run.p(50)).strip()}, p99 {ms(run.p(99)).strip()}")
        figures["province list p99"] = run.p(99) * 1000
    if "sms" in results:
        run = results["sms"]
        print(f"\nSMS request -> provider: {run.count} codes, p50 {ms(run.p(50)).strip()}, p99 {ms(run.p(99)).strip()}")
        if run.errors:
            print(f"   {len(run.errors)} failed; first: {str(run.errors[0])[:200]}")
        figures["SMS request -> provider p99"] = run.p(99) * 1000 if run.count else None
    print("\nresident memory (RSS)")
    for name, mb in results["memory"].items():
        print(f"  {name:24} {mb:7.1f} MB" if mb else f"  {name:24}    gone")
    services = [mb for name, mb in results["memory"].items() if mb and name in (*c.SERVICES, "gateway")]
    figures["resident memory per service"] = max(services) if services else None
    print(f"\n{'target':44}{'measured':>12}  {'aim':>10}  verdict")
    for name, (limit, kind, unit) in TARGETS.items():
        value = figures.get(name)
        shown = f"{value:.2f} {unit}" if value is not None else "-"
        aim = f"{'>=' if kind == 'min' else '<='} {limit} {unit}"
        print(f"{name:44}{shown:>12}  {aim:>10}  {verdict(name, value)}")
    once = results.get("intake", (None, None))[1]
    print(f"{'every intake entry stored once':44}{str(once):>12}  {'yes':>10}  "
          f"{'met' if once else ('not measured' if once is None else 'NOT met')}")
