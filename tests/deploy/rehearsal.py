"""Production rehearsal: every process of the system started exactly as its
container would start it, then the whole journey walked over HTTP.

    python -m tests.deploy.rehearsal            # `make rehearse`: compose and k8s, the journey on each
    python -m tests.deploy.rehearsal --short    # compose with the journey, k8s started and healthy

deploy/compose.yaml is read as `docker compose` reads it, its variables
resolved from a file of test secrets (tests/deploy/test-secrets.env, an
operator's deploy/.env); deploy/k8s as `kubectl kustomize` renders it, the
Secret filled from tests/deploy/test-k8s-secret.env. Each process gets its
own command and the image's ENV plus its own environment, nothing from the
shell, APP_ENV=production. What a container would reach by a compose or
cluster host name is a server here, and only those names (and the paths of
the image) are rewritten, each rewrite printed:

- PostgreSQL: the databases and roles deploy/postgres-init makes (its own
  script, with a prefix so that runs do not collide);
- RabbitMQ: a vhost and a user with the password compose gives them;
- the S3 store: moto's S3 server (a process of its own), the bucket made by
  the setup job;
- the SMS provider: the suite's SMS gateway (tests/support/sms_gateway.py).

The setup job runs first and must succeed, as compose orders it; then the
five services, each until its own health check passes; then the gateway.
The journey: 注册 (the code read from the SMS gateway), 登录, 开始申报, every
section, a tenant by the QR link, 提交, 区县 通过, 设区市 退回, 重新提交,
设区市 通过, 省级 认定; then the SMS gateway must have the expected messages
and the store the licence and the attachments.
"""
import argparse
import contextlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

from services.common import known_warnings  # noqa: E402

known_warnings.quiet()  # before the libraries that warn on import

import boto3
import requests

from services.common import contracts as c
from tests.deploy import deployfiles as d
from tests.support import rabbit
from tests.support.database import ADMIN_URL
from tests.support.html_forms import Page
from tests.support.identifiers import credit_code, phone_number
from tests.support.sms_gateway import SmsGateway
from tests.support.system import free_port
from tests.support.web import png_bytes

ROOT = d.ROOT
VENV_BIN = str(Path(sys.executable).parent)
INIT_SCRIPT = ROOT / "deploy" / "postgres-init" / "10-service-databases.sh"
PG_HOST = re.match(r".*@([^:/]+)", ADMIN_URL).group(1)
ATTACHMENTS = ("申请报告", "营业执照或法人证书", "真实性承诺书")
STAFF = (  # username, kind, level, region
    ("rh_admin", "admin", None, None),
    ("rh_xuanwu", "reviewer", c.COUNTY, "320102"),
    ("rh_nanjing", "reviewer", c.CITY, "320100"),
    ("rh_jiangsu", "reviewer", c.PROVINCE, "320000"),
)


class RehearsalFailed(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise RehearsalFailed(message)


# --- the servers a container would reach ------------------------------------------

class Servers:
    """PostgreSQL databases and roles, a RabbitMQ vhost and user, an S3 server
    and the SMS gateway, all on this machine; removed by close()."""

    def __init__(self, work_dir, say):
        self.work_dir = Path(work_dir)
        self.say = say
        self.secrets = d.read_env_file(d.TEST_SECRETS)
        self.prefix = f"rh{uuid.uuid4().hex[:8]}_"
        self.vhost = f"{self.prefix}sme"
        self.rabbit_user = f"{self.prefix}sme"
        self.sms = None
        self.s3 = None
        self.s3_url = None
        self._databases = False

    def open(self):
        # PostgreSQL: deploy/postgres-init's own script, as the postgres image runs it.
        env = {**os.environ, "POSTGRES_USER": "postgres", "PGHOST": PG_HOST, "DB_PREFIX": self.prefix,
               **{k: v for k, v in self.secrets.items() if k.endswith("_DB_PASSWORD")}}
        done = subprocess.run(["sh", str(INIT_SCRIPT)], env=env, capture_output=True, text=True, timeout=120)
        check(done.returncode == 0, f"deploy/postgres-init failed: {done.stderr}")
        self._databases = True
        self.say(f"PostgreSQL  databases and roles {self.prefix}<service> made by deploy/postgres-init")
        # RabbitMQ: the vhost and user compose's rabbitmq container creates.
        api, auth = rabbit._api("vhosts/" + quote(self.vhost, safe=""))
        requests.put(api, auth=auth, timeout=10).raise_for_status()
        api, auth = rabbit._api("users/" + quote(self.rabbit_user, safe=""))
        requests.put(api, json={"password": self.secrets["RABBITMQ_PASSWORD"], "tags": ""}, auth=auth,
                     timeout=10).raise_for_status()
        api, auth = rabbit._api(f"permissions/{quote(self.vhost, safe='')}/{quote(self.rabbit_user, safe='')}")
        requests.put(api, json={"configure": ".*", "write": ".*", "read": ".*"}, auth=auth,
                     timeout=10).raise_for_status()
        self.say(f"RabbitMQ    vhost {self.vhost}, user {self.rabbit_user} (RABBITMQ_PASSWORD)")
        # The S3 store: moto's server, a process of its own.
        port = free_port()
        log = open(self.work_dir / "s3.log", "wb")
        self.s3 = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=log, stderr=subprocess.STDOUT)
        self.s3_url = f"http://127.0.0.1:{port}"
        wait(lambda: _answers(self.s3_url), 30, "the S3 server")
        self.say(f"S3          moto server at {self.s3_url}")
        # The SMS provider: the suite's SMS gateway, with the keys of the secrets file.
        self.sms = SmsGateway(self.secrets["SMS_APP_KEY"], self.secrets["SMS_APP_SECRET"]).start()
        self.say(f"SMS         the suite's SMS gateway at {self.sms.url}")
        return self

    def amqp_uri(self, password):
        return f"amqp://{quote(self.rabbit_user)}:{quote(password)}@127.0.0.1:5672/{quote(self.vhost, safe='')}"

    def close(self):
        if self.sms:
            self.sms.stop()
        if self.s3:
            self.s3.terminate()
            self.s3.wait(10)
        with contextlib.suppress(Exception):
            api, auth = rabbit._api("vhosts/" + quote(self.vhost, safe=""))
            requests.delete(api, auth=auth, timeout=30)
            api, auth = rabbit._api("users/" + quote(self.rabbit_user, safe=""))
            requests.delete(api, auth=auth, timeout=30)
        if self._databases:
            from sqlalchemy import create_engine, text

            admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                for service in c.SERVICES:
                    name = self.prefix + service
                    conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                                 {"n": name})
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                    conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
            admin.dispose()


def _answers(url):
    try:
        requests.get(url, timeout=2)
        return True
    except requests.ConnectionError:
        return False


def wait(predicate, seconds, what, process=None, interval=0.3):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RehearsalFailed(f"{what}: the process exited ({process.returncode})")
        if predicate():
            return
        time.sleep(interval)
    raise RehearsalFailed(f"{what}: not ready within {seconds}s")


# --- the processes, as their containers run them ---------------------------------

class Process:
    def __init__(self, name, command, env, health=None, one_shot=False):
        self.name, self.command, self.env, self.health, self.one_shot = name, command, env, health, one_shot
        self.popen = None
        self.rewrites = []


class Localiser:
    """Points what a container reaches by a host name at this machine, and
    the image's paths at this checkout; records each rewrite."""

    def __init__(self, servers, work_dir):
        self.servers = servers
        self.work_dir = Path(work_dir)

    def env(self, process_name, env):
        env = dict(env)
        notes = []

        def rewrite(name, value, why):
            if env.get(name) != value:
                notes.append(f"{name}: {why}")
                env[name] = value

        rewrite("PATH", VENV_BIN + ":" + env.get("PATH", "").replace("/opt/venv/bin:", ""),
                "the image's /opt/venv/bin → this checkout's virtualenv")
        rewrite("PYTHONPATH", str(ROOT), "the image's /app → this checkout")
        var = self.work_dir / "var" / process_name
        var.mkdir(parents=True, exist_ok=True)
        rewrite(c.ENV_VAR_DIR, str(var), "the container's tmpfs /var/lib/sme → a directory of its own")
        if c.ENV_AMQP_URI in env:
            parts = urlsplit(env[c.ENV_AMQP_URI])
            if parts.scheme == "amqps":
                notes.append("AMQP_URI: amqps → amqp (the broker here has no TLS listener)")
            rewrite(c.ENV_AMQP_URI, self.servers.amqp_uri(parts.password),
                    f"host {parts.hostname} → 127.0.0.1, vhost/user {parts.path[1:]}/{parts.username} → "
                    f"{self.servers.vhost}/{self.servers.rabbit_user}")
        for service in c.SERVICES:
            name = c.service_database_env(service)
            if name in env:
                parts = urlsplit(env[name])
                db = parts.path.lstrip("/")
                rewrite(name, f"postgresql://{self.servers.prefix}{parts.username}:{parts.password}"
                              f"@{PG_HOST}:5432/{self.servers.prefix}{db}",
                        f"host {parts.hostname} → {PG_HOST}, names prefixed {self.servers.prefix}")
        if env.get(c.ENV_DATABASE_SSLMODE, "disable") != "disable":
            rewrite(c.ENV_DATABASE_SSLMODE, "disable", "the PostgreSQL here has no TLS")
        if c.ENV_S3_ENDPOINT_URL in env:
            rewrite(c.ENV_S3_ENDPOINT_URL, self.servers.s3_url,
                    f"{urlsplit(env[c.ENV_S3_ENDPOINT_URL]).hostname} → the S3 server here")
        if c.ENV_SMS_HTTP_URL in env:
            rewrite(c.ENV_SMS_HTTP_URL, self.servers.sms.url, "the SMS provider → the suite's SMS gateway")
        if env.get(c.ENV_METRICS_PORT) and process_name in c.SERVICES:
            port = free_port()
            rewrite(c.ENV_METRICS_PORT, str(port), f"each container's port {env[c.ENV_METRICS_PORT]} → {port} here")
            rewrite(c.ENV_METRICS_ADDR, "127.0.0.1", "the metrics port on loopback only")
        return env, notes

    @staticmethod
    def command(command, port):
        """gunicorn binds the container's port 8000 on all interfaces: here a
        free loopback port."""
        out, notes = [], []
        for arg in command:
            if arg.startswith("--bind="):
                arg = f"--bind=127.0.0.1:{port}"
                notes.append(f"command: --bind 0.0.0.0:8000 → 127.0.0.1:{port}")
            out.append(arg)
        return out, notes


def compose_processes(localiser, gateway_port):
    compose = d.load(d.read_env_file(d.TEST_SECRETS))
    services = compose["services"]
    procs = []
    for name in ["setup", *c.SERVICES, "gateway"]:
        spec = services[name]
        env, notes = localiser.env(name, d.container_env(d.environment(spec)))
        command, more = localiser.command(spec["command"], gateway_port)
        proc = Process(name, command, env, one_shot=name == "setup")
        proc.rewrites = notes + more
        if name in c.SERVICES:
            proc.health = spec["healthcheck"]["test"][1:]
        elif name == "gateway":
            proc.health = f"http://127.0.0.1:{gateway_port}/healthz"
        procs.append(proc)
    return procs


def k8s_processes(localiser, gateway_port):
    objects = d.kustomize(d.K8S) + d.kustomize(d.K8S / "setup")
    secret = d.read_env_file(d.K8S_TEST_SECRET)
    by_name = {doc["metadata"]["name"]: doc for doc in objects if doc["kind"] in ("Deployment", "Job")}
    procs = []
    for name in ["setup", *c.SERVICES, "gateway"]:
        doc = by_name[name]
        box = doc["spec"]["template"]["spec"]["containers"][0]
        env, notes = localiser.env(name, d.workload_env(doc, objects, secret))
        command, more = localiser.command(box["command"], gateway_port)
        proc = Process(name, command, env, one_shot=doc["kind"] == "Job")
        proc.rewrites = notes + more
        if name in c.SERVICES:
            # the probe's named port is the container's METRICS_PORT, here the process's own
            probe = box["startupProbe"]["httpGet"]
            ports = {p["name"]: p["containerPort"] for p in box.get("ports", [])}
            check(str(ports[probe["port"]]) == d.workload_env(doc, objects, secret)[c.ENV_METRICS_PORT],
                  f"{name}: the probe's port is not METRICS_PORT")
            proc.health = f"http://127.0.0.1:{env[c.ENV_METRICS_PORT]}{probe['path']}"
        elif name == "gateway":
            proc.health = f"http://127.0.0.1:{gateway_port}{box['readinessProbe']['httpGet']['path']}"
        procs.append(proc)
    return procs


class System:
    def __init__(self, processes, log_dir, say):
        self.processes = processes
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.say = say

    def _spawn(self, proc):
        names = ", ".join(sorted(proc.env))
        self.say(f"start {proc.name}: {' '.join(proc.command)}\n      environment: {names}")
        for note in proc.rewrites:
            self.say(f"      rewritten {note}")
        log = open(self.log_dir / f"{proc.name}.log", "wb")
        proc.popen = subprocess.Popen(proc.command, cwd=ROOT, env=proc.env, stdout=log, stderr=subprocess.STDOUT)

    def _healthy(self, proc):
        if isinstance(proc.health, str):
            try:
                return requests.get(proc.health, timeout=5).status_code == 200
            except requests.RequestException:
                return False
        return subprocess.run(proc.health, cwd=ROOT, env=proc.env, capture_output=True, timeout=30).returncode == 0

    def start(self, timeout=120):
        setup = [p for p in self.processes if p.one_shot]
        services = [p for p in self.processes if not p.one_shot and p.name in c.SERVICES]
        gateway = [p for p in self.processes if p.name == "gateway"]
        for proc in setup:
            self._spawn(proc)
            try:
                proc.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                raise RehearsalFailed(f"{proc.name} did not finish within {timeout}s") from None
            check(proc.popen.returncode == 0, f"{proc.name} failed:\n{self.tail(proc.name)}")
            self.say(f"      {proc.name} completed")
        for proc in services:
            self._spawn(proc)
        for proc in services:
            # Each probe is a process of its own, as the orchestrator runs it:
            # not too often, the services are starting on the same cores.
            wait(lambda p=proc: self._healthy(p), timeout, f"{proc.name}'s health check", proc.popen, interval=1.5)
            health = proc.health if isinstance(proc.health, str) else " ".join(proc.health)
            self.say(f"      {proc.name} healthy ({health})")
        for proc in gateway:
            self._spawn(proc)
            wait(lambda p=proc: self._healthy(p), timeout, "the gateway", proc.popen)
            self.say(f"      gateway healthy ({proc.health})")

    def tail(self, name, lines=30):
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def stop(self):
        for proc in reversed(self.processes):
            if proc.popen is not None and proc.popen.poll() is None:
                proc.popen.terminate()
        for proc in self.processes:
            if proc.popen is not None:
                try:
                    proc.popen.wait(30)
                except subprocess.TimeoutExpired:
                    proc.popen.kill()
                    proc.popen.wait(10)

    def env_of(self, name):
        return next(p.env for p in self.processes if p.name == name)


# --- the journey, over HTTP --------------------------------------------------------

class LoopbackCookies(requests.cookies.RequestsCookieJar):
    """Production cookies are Secure; like a browser, which treats a loopback
    address as a secure origin, send them back to it over plain HTTP."""

    def set_cookie(self, cookie, *args, **kwargs):
        if cookie.domain in ("127.0.0.1", "localhost", "localhost.local"):
            cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


class Browser:
    """One person's browser: cookies, forms read from the pages."""

    def __init__(self, base):
        self.base = base
        self.http = requests.Session()
        self.http.cookies = LoopbackCookies()

    def get(self, path, expect=200):
        response = self.http.get(self.base + path if path.startswith("/") else path, timeout=30)
        check(response.status_code == expect, f"GET {path}: {response.status_code} {response.text[:500]}")
        return Page(response)

    def submit(self, page, values=None, files=None, expect=302, **find):
        response = page.form(**find).submit(self.http, values, files=files)
        check(response.status_code == expect,
              f"POST {page.form(**find).action}: {response.status_code} (expected {expect})\n{response.text[:1500]}")
        return response


def create_staff(system, password):
    env = system.env_of(c.ACCOUNTS)
    for username, kind, level, region in STAFF:
        command = [sys.executable, "-m", "services.accounts.manage", "create-staff", "--username", username,
                   "--name", f"{username}（演练）", "--kind", kind, "--password-stdin"]
        if level:
            command += ["--level", level, "--region", region]
        done = subprocess.run(command, cwd=ROOT, env=env, input=password + "\n", capture_output=True, text=True,
                              timeout=60)
        check(done.returncode == 0, f"create-staff {username}: {done.stdout}{done.stderr}")


TOTP_SECRET = re.compile(r'<code class="totp-secret">([A-Z2-7 ]+)</code>')


def staff_login(base, username, password):
    """登录 at the console; an admin in production must first enrol 两步验证:
    the rehearsal's authenticator app reads the key from the page."""
    import pyotp

    browser = Browser(base)
    page = browser.get("/console/login")
    response = page.form().submit(browser.http, {"username": username, "password": password})
    secret = TOTP_SECRET.search(response.text) if response.status_code == 200 else None
    if secret:
        enrol = Page(response)
        browser.submit(enrol, {"code": pyotp.TOTP(secret.group(1).replace(" ", "")).now()},
                       expect=200, with_field="code")  # the recovery codes, shown once
    else:
        check(response.status_code == 302, f"POST /console/login: {response.status_code}\n{response.text[:1500]}")
    return browser


def open_batch(admin):
    import datetime as dt

    today = dt.date.today()
    page = admin.get("/console/batches/new")
    admin.submit(page, {
        "name": f"{today.year}年度江苏省小型微型企业创业创新示范基地认定（演练）", "year": str(today.year),
        "kind": "首次申报", "opens_on": (today - dt.timedelta(days=1)).isoformat(),
        "closes_on": (today + dt.timedelta(days=30)).isoformat(),
        "resubmit_until": (today + dt.timedelta(days=60)).isoformat(), "notice": "申报须知（演练）",
        "thresholds_block": "仅提示", "required_attachments": list(ATTACHMENTS), "max_attachment_mb": "5",
    }, with_field="opens_on")


def sms_code(sms, phone, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(list(sms.delivered)):
            if message.get("phone") == phone:
                match = re.search(r"验证码为(\d{6})", message.get("content", ""))
                if match:
                    return match.group(1)
        time.sleep(0.3)
    raise RehearsalFailed(f"no SMS code for {phone} reached the SMS gateway")


def register_and_login(base, sms, username, password, phone):
    enterprise = Browser(base)
    details = {"username": username, "password": password, "password2": password,
               "name": "南京玄武演练园区运营有限公司", "credit_code": credit_code(region="320102"),
               "region_code": "320102", "contact_name": "陈一", "contact_phone": phone}
    page = enterprise.get("/register")
    enterprise.submit(page, {**details, "action": "send_code"}, expect=200, with_field="sms_code")
    code = sms_code(sms, phone)
    page = enterprise.get("/register")
    enterprise.submit(page, {**details, "sms_code": code, "consent": "1"}, with_field="sms_code",
                      files={"licence": ("营业执照.png", png_bytes(), "image/png")})
    page = enterprise.get("/login")
    enterprise.submit(page, {"username": username, "password": password}, with_field="password")
    check("认定申报" in enterprise.get("/center").text, "用户中心 does not offer 认定申报 after 登录")
    return enterprise


def fill_declaration(enterprise, phone):
    from tests.browser.declaring import APPLICATION, LEDGER, PARTNER, PEOPLE

    listing = enterprise.get("/center/declarations")
    start = re.search(r'href="(/center/declarations/start/[^"]+)"', listing.text)
    check(start, "认定申报 offers no 开始申报")
    page = enterprise.get(start.group(1))
    response = enterprise.submit(page, {"accept": "1"}, with_field="accept")
    declaration = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    base = f"/center/declarations/{declaration}"
    page = enterprise.get(f"{base}/sections/application")
    enterprise.submit(page, {**APPLICATION, "base_name": "玄武区演练创业园", "revenue": "1000",
                             "contact_mobile": phone, "partner_count": "1"}, with_field="base_name")
    for section, rows in (("personnel", PEOPLE), ("partners", [{**PARTNER, "credit_code": credit_code(region="320102")}]),
                          ("ledger", [LEDGER])):
        for row in rows:
            page = enterprise.get(f"{base}/sections/{section}/new")
            enterprise.submit(page, row, with_field=next(iter(row)))
    for category in ATTACHMENTS:
        page = enterprise.get(f"{base}/sections/attachments")
        enterprise.submit(page, {"category": category}, with_field="category",
                          files={"file": (f"{category}.pdf", b"%PDF-1.4 " + category.encode(), "application/pdf")})
    tenants = enterprise.get(f"{base}/tenants")
    link = re.search(r'value="([^"]+)" id="intake-url"', tenants.text)
    check(link, "入驻企业 shows no QR link")
    tenant_by_the_qr_link(link.group(1).replace("&amp;", "&"))
    return declaration


def tenant_by_the_qr_link(url):
    """A tenant on its phone, WeChat's browser opening the QR code's link."""
    from services.tenants import steps
    from tests.browser.declaring import TENANT

    phone = Browser(url)
    phone.http.headers["User-Agent"] = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.47"
    opened = phone.http.get(url, allow_redirects=False, timeout=30)  # the QR code's short link
    check(opened.status_code == 302, f"the QR code's link answered {opened.status_code}")
    url = requests.compat.urljoin(url, opened.headers["Location"])
    phone.get(url)
    for step in ("base", "basic", "operations"):
        values = dict(TENANT[step])
        if step == "basic":
            values.update(industry=steps.INDUSTRIES[8], credit_code=credit_code(region="320102"))
        page = phone.get(f"{url}/step/{step}")
        phone.submit(page, values, with_field=next(iter(values)))
    summary = phone.get(f"{url}/summary")
    done = phone.submit(summary, action_endswith="/submit")
    check("提交成功" in phone.get(requests.compat.urljoin(url + "/submit", done.headers["Location"])).text,
          "the tenant's 确认提交 did not end in 提交成功")


def submit(enterprise, declaration):
    page = enterprise.get(f"/center/declarations/{declaration}/submit")
    response = enterprise.submit(page, action_endswith=f"/{declaration}/submit")
    check("/submitted" in response.headers.get("Location", ""), f"提交 went to {response.headers.get('Location')}")


def review(base, username, password, declaration, action, reason="材料齐全", sections=(), **more):
    reviewer = staff_login(base, username, password)
    deadline = time.monotonic() + 30
    while f"/console/cases/{declaration}" not in reviewer.get("/console/cases").text:  # it arrives by event
        check(time.monotonic() < deadline, f"{username}: the declaration never reached 审核")
        time.sleep(0.5)
    page = reviewer.get(f"/console/cases/{declaration}")
    values = {"reason": reason, **more}
    if sections:
        values["sections"] = list(sections)
    confirm = reviewer.submit(page, values, expect=200, action_endswith=f"/{action}")
    reviewer.submit(Page(confirm), action_endswith=f"/{action}")


def publicize(system, base, password, declaration):
    """The province selects the case into a 公示 of today; anyone reads it on
    认定公示; then the period's last day goes by (its dates moved back)."""
    import datetime as dt

    from sqlalchemy import text

    from services.common import clock
    from services.common.db import make_engine

    province = staff_login(base, "rh_jiangsu", password)
    today = clock.beijing_today()
    province.submit(province.get("/console/publicity"), {
        "declaration_id": declaration, "title": "认定公示（演练）", "starts_on": today.isoformat(),
        "ends_on": today.isoformat()}, action_endswith="/console/publicity")
    check("认定公示（演练）" in Browser(base).get("/gongshi").text, "认定公示 does not list the base")
    engine = make_engine(c.REVIEW, system.env_of(c.REVIEW))
    with engine.begin() as conn:
        conn.execute(text("UPDATE review_publicity SET starts_on = :d, ends_on = :d"),
                     {"d": today - dt.timedelta(days=1)})
    engine.dispose()


def wait_state(enterprise, label, timeout=30):
    deadline = time.monotonic() + timeout
    while label not in enterprise.get("/center/declarations").text:
        check(time.monotonic() < deadline, f"the enterprise's list never showed {label}")
        time.sleep(0.5)


def journey(system, servers, base, say):
    password = "Rehearse2026" + secrets.token_hex(3)
    create_staff(system, password)
    say("staff created with `python -m services.accounts.manage create-staff` in the accounts container's environment")
    admin = staff_login(base, "rh_admin", password)
    open_batch(admin)
    say("申报批次 opened by the admin in the console")
    phone = phone_number()
    username = "rh_" + uuid.uuid4().hex[:8]
    enterprise = register_and_login(base, servers.sms, username, "Passw0rd!" + secrets.token_hex(2), phone)
    say(f"注册 ({username}, the code read from the SMS gateway) and 登录")
    declaration = fill_declaration(enterprise, phone)
    say("开始申报, every section saved, three 附件 uploaded, a tenant filled its entry by the QR link")
    submit(enterprise, declaration)
    wait_state(enterprise, "待区县审核")
    say("提交 → 待区县审核")
    review(base, "rh_xuanwu", password, declaration, "approve")
    wait_state(enterprise, "待设区市审核")
    say("区县 通过 → 待设区市审核")
    review(base, "rh_nanjing", password, declaration, "return", reason="请补充服务台账", sections=["ledger"])
    wait_state(enterprise, "已退回")
    say("设区市 退回 (with a reason) → 已退回")
    check("请补充服务台账" in enterprise.get(f"/center/declarations/{declaration}/view").text,
          "the enterprise does not see the return reason")
    from tests.browser.declaring import LEDGER

    page = enterprise.get(f"/center/declarations/{declaration}/sections/ledger/new")
    enterprise.submit(page, {**LEDGER, "served_on": "2025-04-20", "content": "融资对接"}, with_field="served_on")
    submit(enterprise, declaration)
    wait_state(enterprise, "待设区市审核")
    say("修改, 重新提交 → 待设区市审核")
    review(base, "rh_nanjing", password, declaration, "approve")
    wait_state(enterprise, "待省级审核")
    say("设区市 通过 → 待省级审核")
    review(base, "rh_jiangsu", password, declaration, "approve", reason="专家评审通过")
    wait_state(enterprise, "待公示")
    say("省级 通过 → 待公示")
    publicize(system, base, password, declaration)
    say("省级 公示 (认定公示 lists it without login), then its period ends")
    review(base, "rh_jiangsu", password, declaration, "recognise", document_number="苏工信中小〔2026〕88号")
    wait_state(enterprise, "已认定")
    say("省级 认定 → 已认定 (with the 认定文号)")

    # The SMS gateway received what the enterprise was told, signed with the app's keys.
    deadline = time.monotonic() + 30
    expected = ("验证码为", "已提交", "已被退回", "获得认定")
    while True:
        texts = [m.get("content", "") for m in servers.sms.delivered if m.get("phone") == phone]
        missing = [e for e in expected if not any(e in t for t in texts)]
        if not missing:
            break
        check(time.monotonic() < deadline, f"SMS never delivered: {missing}; delivered: {texts}")
        time.sleep(0.5)
    check(sum("已提交" in t for t in texts) == 2, f"expected two 已提交 messages (提交, 重新提交): {texts}")
    say(f"SMS gateway: {len(texts)} messages to the enterprise ({', '.join(expected)})")

    # The object store holds the licence and the three attachments.
    env = system.env_of("gateway")
    s3 = boto3.client("s3", endpoint_url=env[c.ENV_S3_ENDPOINT_URL], aws_access_key_id=env[c.ENV_S3_ACCESS_KEY],
                      aws_secret_access_key=env[c.ENV_S3_SECRET_KEY], region_name="us-east-1")
    objects = s3.list_objects_v2(Bucket=env[c.ENV_S3_BUCKET]).get("Contents", [])
    bodies = [s3.get_object(Bucket=env[c.ENV_S3_BUCKET], Key=o["Key"])["Body"].read() for o in objects]
    check(any(body.startswith(b"\x89PNG") for body in bodies), "the licence image is not in the object store")
    for category in ATTACHMENTS:
        check(any(body == b"%PDF-1.4 " + category.encode() for body in bodies),
              f"the attachment {category} is not in the object store")
    say(f"object store: {len(objects)} blobs, the licence and the {len(ATTACHMENTS)} attachments among them")


# --- a run ---------------------------------------------------------------------------

def rehearse(target, walk=True, say=print, work_dir=None, timeout=120, servers=None):
    """Start `target` ("compose" or "k8s") as deployed, walk the journey if
    `walk`; return a one-line summary. `servers`: already open ones to reuse
    (else fresh ones, closed at the end)."""
    started = time.monotonic()
    own_dir = work_dir is None
    work_dir = Path(work_dir or tempfile.mkdtemp(prefix=f"rehearse-{target}-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    own_servers = servers is None
    system = None
    try:
        if own_servers:
            servers = Servers(work_dir, say).open()
        port = free_port()
        localiser = Localiser(servers, work_dir)
        processes = (compose_processes if target == "compose" else k8s_processes)(localiser, port)
        for proc in processes:
            if proc.env.get(c.ENV_PUBLIC_BASE_URL):
                proc.rewrites.append(f"{c.ENV_PUBLIC_BASE_URL}: the public address → the gateway here")
                proc.env[c.ENV_PUBLIC_BASE_URL] = f"http://127.0.0.1:{port}"
        system = System(processes, work_dir / "logs", say)
        try:
            system.start(timeout)
            if walk:
                journey(system, servers, f"http://127.0.0.1:{port}", say)
        except RehearsalFailed as exc:
            tails = "\n".join(f"--- {p.name} ---\n{system.tail(p.name, 15)}" for p in processes)
            raise RehearsalFailed(f"{exc}\n{tails}") from None
        what = "the journey walked" if walk else "every process healthy"
        return (f"{target}: {len(processes)} processes started as deployed "
                f"({', '.join(p.name for p in processes)}), {what} in {time.monotonic() - started:.0f}s")
    finally:
        if system is not None:
            system.stop()
        if own_servers and servers is not None:
            servers.close()
        if own_dir:
            shutil.rmtree(work_dir, ignore_errors=True)


def rehearse_short(say=print, work_dir=None):
    """What `make test` runs: compose with the journey, then every k8s
    workload started and healthy on the same servers (its setup Job
    re-run over the migrated databases, as at a release)."""
    work_dir = Path(work_dir or tempfile.mkdtemp(prefix="rehearse-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    servers = Servers(work_dir, say)
    try:
        servers.open()
        return [rehearse("compose", True, say, work_dir / "compose", servers=servers),
                rehearse("k8s", False, say, work_dir / "k8s", servers=servers)]
    finally:
        servers.close()
        shutil.rmtree(work_dir, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="k8s: start and health checks only")
    args = parser.parse_args(argv)
    started = time.monotonic()

    def say(line):
        print(line, flush=True)

    try:
        if args.short:
            summaries = rehearse_short(say)
        else:
            summaries = []
            for target in ("compose", "k8s"):
                say(f"=== {target} ===")
                summaries.append(rehearse(target, True, say))
    except RehearsalFailed as exc:
        print(f"rehearsal FAILED: {exc}", flush=True)
        return 1
    print(f"rehearsal passed in {time.monotonic() - started:.0f}s: " + "; ".join(summaries), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
