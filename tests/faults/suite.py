"""The fault suite: the system's services on a RabbitMQ node and a PostgreSQL
database of its own, under load, while the broker goes away and consumers
start late. It prints, per scenario: operations, acknowledged, stored, lost,
duplicated, recovery seconds; and exits non-zero when any row lost or
duplicated anything.

    make faults                      # the full run (durations below)
    python -m tests.faults.suite     # the same

Settings (environment): FAULTS_OUTAGE_SECONDS (20: the broker),
FAULTS_SMS_OUTAGE_SECONDS (60: the SMS provider), FAULTS_PHONES (40),
FAULTS_EVENTS (200), and the node's ports (tests/faults/node.py). The short
version in `make test` is tests/faults/test_faults.py.
"""
import os

from services.common import known_warnings

known_warnings.quiet()  # before the libraries that warn on import

if __name__ == "__main__":
    import eventlet

    eventlet.monkey_patch()

import dataclasses
import sys
import tempfile
import time
import uuid

import eventlet
from kombu import Connection, Queue
from nameko.containers import ServiceContainer
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import text

from gateway.health import HEALTHZ_CACHE
from services.common import contracts as c
from services.common import migrations, outbox, queues
from services.common import principal as principals
from services.common.db import make_engine
from services.tenants.service import TenantsService
from tests.faults.node import OwnNode
from tests.support import database
from tests.tenants.helpers import OWNER, entry_data, new_device

COLUMNS = ("scenario", "operations", "acknowledged", "stored", "lost", "duplicated", "recovery s")


@dataclasses.dataclass
class Row:
    scenario: str
    operations: int
    acknowledged: int
    stored: int
    lost: int
    duplicated: int
    recovery: float

    @property
    def ok(self):
        return self.lost == 0 and self.duplicated == 0

    def cells(self):
        return (self.scenario, self.operations, self.acknowledged, self.stored, self.lost, self.duplicated,
                f"{self.recovery:.1f}")


def table(rows):
    cells = [COLUMNS] + [tuple(str(x) for x in r.cells()) for r in rows]
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(COLUMNS))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(" | ".join(str(v).ljust(w) for v, w in zip(row, widths)))
        if n == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def settings():
    return {
        "outage": float(os.environ.get("FAULTS_OUTAGE_SECONDS", 20)),
        "sms_outage": float(os.environ.get("FAULTS_SMS_OUTAGE_SECONDS", 60)),
        "phones": int(os.environ.get("FAULTS_PHONES", 40)),
        "events": int(os.environ.get("FAULTS_EVENTS", 200)),
    }


class Environment:
    """The node, a database with every service's migrations, the queues."""

    def __init__(self, node):
        self.node = node
        self.database_url = None

    def __enter__(self):
        self.database_url = database.create_database("sme_faults")
        self.config = {
            c.ENV_AMQP_URI: self.node.amqp_uri,
            "AMQP_URI": self.node.amqp_uri,
            c.ENV_DATABASE_URL: self.database_url,
            "serializer": "json",
            c.ENV_OUTBOX_RELAY_INTERVAL: 0.5,
            c.ENV_OUTBOX_RELAY_GRACE: 1,
            c.ENV_OUTBOX_RELAY_MAX_BACKOFF: 2,
            c.ENV_EVENT_RETRY_DELAY: 0.5,
            c.ENV_EVENT_POLL_INTERVAL: 0.2,
            c.ENV_INTAKE_PER_IP_PER_MINUTE: 0,
            c.ENV_INTAKE_PER_DEVICE_PER_MINUTE: 0,
        }
        for service in c.SERVICES:
            migrations.upgrade(service, self.config)
        with Connection(self.node.amqp_uri) as conn:
            queues.declare_all(conn)
        self.engine = make_engine(c.TENANTS, self.config)
        return self

    def __exit__(self, *exc):
        self.engine.dispose()
        database.drop_database(self.database_url)

    def scalar(self, sql, **params):
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()


def _rpc(config, principal=None, timeout=5):
    context = {}
    if principal is not None:
        context[c.PRINCIPAL_CONTEXT_KEY] = principals.sign(principal, config)
    return ClusterRpcProxy(config, context_data=context, timeout=timeout)


def _started(env, declaration_id):
    body = outbox.envelope(
        {"declaration_id": declaration_id, "enterprise_id": OWNER.id, "region_code": "320102", "version": 0},
        event_type=c.DECLARATION_STARTED, cause=OWNER, sequence=1, state=c.DRAFT,
    )
    outbox.publish_one(outbox.publisher(env.config), c.DECLARATIONS, c.DECLARATION_STARTED, body)


def _wait(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        eventlet.sleep(0.1)
    return False


def broker_stopped_mid_intake_burst(env, outage, phones):
    """Phones fill and submit tenant entries; the node stops for `outage`
    seconds in the middle of the burst and starts again. A phone keeps trying
    until it is told its entry was saved (as a tenant does). Every entry
    acknowledged must be stored once, and its tenant_submitted event reach a
    consumer queue bound before the burst."""
    declaration_id = f"faults-{uuid.uuid4().hex[:8]}"
    tap = Queue(f"faults.tap.{declaration_id}", exchange=outbox.event_exchange(c.TENANTS),
                routing_key=c.TENANT_SUBMITTED, durable=True, auto_delete=False)
    with Connection(env.node.amqp_uri) as conn:
        tap(conn.channel()).declare()
    container = ServiceContainer(TenantsService, env.config)
    container.start()
    try:
        _started(env, declaration_id)
        _wait(lambda: env.scalar("SELECT count(*) FROM intake_links WHERE declaration_id = :d",
                                 d=declaration_id), 30)
        with _rpc(env.config, OWNER) as rpc:
            token = rpc.tenants.open_link(declaration_id, "故障演练基地")["token"]

        acknowledged, first_ok_after = set(), []
        restarted_at = []

        def phone(n):
            data = entry_data(name=f"演练企业{n}")
            device = new_device()
            code = data["basic"]["credit_code"]
            deadline = time.monotonic() + outage + 120
            while time.monotonic() < deadline:
                try:
                    with _rpc(env.config) as rpc:
                        for key in ("base", "basic", "operations"):
                            rpc.tenants.save_intake_step(token, key, data[key], device)
                        rpc.tenants.submit_intake(token, device)
                    acknowledged.add(code)
                    if restarted_at:
                        first_ok_after.append(time.monotonic())
                    return
                except Exception:  # noqa: BLE001 - the broker is away: try again, as a phone does
                    eventlet.sleep(0.5)

        pool = eventlet.GreenPool(20)
        for n in range(phones):
            pool.spawn_n(phone, n)
            if n == phones // 2:
                env.node.stop()
                eventlet.sleep(outage)
                env.node.start()
                restarted_at.append(time.monotonic())
        pool.waitall()
        stored = env.scalar("SELECT count(*) FROM tenant_entries WHERE declaration_id = :d", d=declaration_id)
        distinct = env.scalar("SELECT count(DISTINCT credit_code) FROM tenant_entries WHERE declaration_id = :d",
                              d=declaration_id)
        codes = set()
        with env.engine.connect() as conn:
            codes = set(conn.execute(text("SELECT credit_code FROM tenant_entries WHERE declaration_id = :d"),
                                     {"d": declaration_id}).scalars())
        # every stored entry's event reaches the queue bound before the burst
        seen = set()

        def drained():
            with Connection(env.node.amqp_uri) as conn:
                bound = tap(conn.channel())
                while True:
                    message = bound.get(no_ack=True)
                    if message is None:
                        break
                    seen.add(message.payload["data"]["tenant_entry_id"])
            return len(seen) >= stored

        _wait(drained, 60)
        lost = len(acknowledged - codes) + max(0, stored - len(seen))
        recovery = (min(first_ok_after) - restarted_at[0]) if first_ok_after and restarted_at else 0.0
        return Row("broker stopped mid intake burst", phones, len(acknowledged), stored, lost,
                   stored - distinct, recovery)
    finally:
        container.stop()


def late_consumer(env, count):
    """Events committed while their consumer has never run: all are handled
    once it starts."""
    handler = c.event_queue(c.DECLARATIONS, c.DECLARATION_STARTED, c.TENANTS)
    before = env.scalar("SELECT count(*) FROM processed_events WHERE handler = :h", h=handler)
    ids = [f"late-{uuid.uuid4().hex[:8]}-{n}" for n in range(count)]
    pub = outbox.publisher(env.config)
    for declaration_id in ids:
        body = outbox.envelope(
            {"declaration_id": declaration_id, "enterprise_id": OWNER.id, "region_code": "320102", "version": 0},
            event_type=c.DECLARATION_STARTED, cause=OWNER, sequence=1, state=c.DRAFT,
        )
        outbox.publish_one(pub, c.DECLARATIONS, c.DECLARATION_STARTED, body)
    began = time.monotonic()
    container = ServiceContainer(TenantsService, env.config)
    container.start()
    try:
        like = "late-%"
        _wait(lambda: env.scalar("SELECT count(*) FROM intake_links WHERE declaration_id LIKE :l", l=like)
              >= count, 120)
        recovery = time.monotonic() - began
        stored = env.scalar("SELECT count(*) FROM intake_links WHERE declaration_id LIKE :l", l=like)
        handled = env.scalar("SELECT count(*) FROM processed_events WHERE handler = :h", h=handler) - before
        return Row("consumer started after the events", count, count, stored, count - min(stored, count),
                   max(0, handled - count), recovery)
    finally:
        container.stop()


def sms_provider_down(env, outage, count):
    """The SMS provider answers 500 for half of `outage` seconds, then takes
    requests without answering for the other half, then recovers: every
    message asked for is sent afterwards, none twice."""
    from services.notify.service import NotifyService
    from tests.support.sms_gateway import ERROR, HANG, OK, SmsGateway

    with SmsGateway(hang_seconds=2.0) as gateway:
        config = dict(env.config, **gateway.settings(), **{
            c.ENV_SMS_TIMEOUT: 1, c.ENV_SMS_RETRY_DELAY: 0.5, c.ENV_SMS_RETRY_MAX_DELAY: 2,
            c.ENV_SMS_MAX_ATTEMPTS: 1000, c.ENV_SMS_POLL_INTERVAL: 0.2,
            c.ENV_SMS_PER_PHONE_PER_MINUTE: 100, c.ENV_SMS_PER_PHONE_PER_DAY: 1000,
        })
        gateway.mode = ERROR
        container = ServiceContainer(NotifyService, config)
        container.start()
        try:
            pub = outbox.publisher(config)
            phones = [f"139{n:08d}" for n in range(count)]
            for n, phone in enumerate(phones):
                body = outbox.envelope({"phone": phone, "template": c.SMS_USERNAME_REMINDER,
                                        "params": {"username": f"user{n}"}, "dedupe_key": f"faults:{phone}"})
                outbox.publish_one(pub, c.ACCOUNTS, c.SMS_REQUESTED, body)
            eventlet.sleep(outage / 2)
            gateway.mode = HANG
            eventlet.sleep(outage / 2)
            gateway.mode = OK
            back = time.monotonic()
            _wait(lambda: len({m["phone"] for m in gateway.delivered}) >= count, 120)
            recovery = time.monotonic() - back
            delivered = [m["phone"] for m in gateway.delivered]
            sent = len(set(delivered) & set(phones))
            return Row("SMS provider 500, then no answer", count, count, sent, count - sent,
                       len(delivered) - len(set(delivered)), recovery)
        finally:
            container.stop()


def _healthz(url, timeout):
    import urllib.error
    import urllib.request

    began = time.monotonic()
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=timeout) as resp:
            status = resp.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = None
    return status, time.monotonic() - began


def services_killed(env, phones, workdir):
    """The system as `make run` starts it (processes) on the suite's node and
    database. Each service in turn is killed with SIGKILL: the gateway's
    /healthz answers 503 within the RPC timeout, and the service, started
    again, answers. tenants is killed in the middle of an intake burst:
    every entry acknowledged is stored once."""
    import signal
    from pathlib import Path

    from deploy.local import System, service_command
    from tests.support.system import free_port, system_env

    port = free_port()
    sys_env = system_env(env.node.amqp_uri, env.database_url, workdir, port)
    sys_env.update({c.ENV_RPC_TIMEOUT: "5", c.ENV_INTAKE_PER_IP_PER_MINUTE: "0",
                    c.ENV_INTAKE_PER_DEVICE_PER_MINUTE: "0"})
    system = System(env=sys_env, port=port, log_dir=Path(workdir) / "logs")
    for service in c.SERVICES:
        system.env.pop(c.service_database_env(service), None)
    config = dict(env.config, **{c.ENV_PRINCIPAL_SECRET: sys_env[c.ENV_PRINCIPAL_SECRET]})
    system.setup()
    system.start(timeout=120)
    rows = []
    try:
        answered, back, slowest = 0, 0, 0.0
        for service in c.SERVICES:
            os.killpg(system.processes[service].pid, signal.SIGKILL)
            system.processes[service].wait()
            # /healthz shares its answer for HEALTHZ_CACHE seconds: within
            # that and the RPC timeout of the kill it must say 503.
            killed, limit = time.monotonic(), float(sys_env[c.ENV_RPC_TIMEOUT]) + HEALTHZ_CACHE
            status = None
            while status != 503 and time.monotonic() - killed <= limit:
                status, _ = _healthz(system.url, 30)
                if status != 503:
                    time.sleep(0.2)
            if status == 503 and time.monotonic() - killed <= limit:
                answered += 1
            system._spawn(service, service_command(service))
            began = time.monotonic()
            if _wait(lambda: _healthz(system.url, 10)[0] == 200, 120):
                back += 1
                slowest = max(slowest, time.monotonic() - began)
        rows.append(Row("kill -9 of each service: 503 in time, back", len(c.SERVICES), answered, back,
                        len(c.SERVICES) - min(answered, back), 0, slowest))

        declaration_id = f"faults-kill-{uuid.uuid4().hex[:8]}"
        _started(env, declaration_id)
        _wait(lambda: env.scalar("SELECT count(*) FROM intake_links WHERE declaration_id = :d",
                                 d=declaration_id), 30)
        with _rpc(config, OWNER) as rpc:
            token = rpc.tenants.open_link(declaration_id, "故障演练基地")["token"]
        acknowledged, after = set(), []
        restarted = []

        def phone(n):
            data = entry_data(name=f"演练企业{n}")
            device = new_device()
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                try:
                    with _rpc(config, timeout=5) as rpc:
                        for key in ("base", "basic", "operations"):
                            rpc.tenants.save_intake_step(token, key, data[key], device)
                        rpc.tenants.submit_intake(token, device)
                    acknowledged.add(data["basic"]["credit_code"])
                    if restarted:
                        after.append(time.monotonic())
                    return
                except Exception:  # noqa: BLE001 - no answer: try again, as a phone does
                    eventlet.sleep(0.5)

        pool = eventlet.GreenPool(10)
        for n in range(phones):
            pool.spawn_n(phone, n)
            if n == phones // 2:
                eventlet.sleep(0.5)
                os.killpg(system.processes[c.TENANTS].pid, signal.SIGKILL)
                system.processes[c.TENANTS].wait()
                system._spawn(c.TENANTS, service_command(c.TENANTS))
                restarted.append(time.monotonic())
        pool.waitall()
        with env.engine.connect() as conn:
            codes = list(conn.execute(text("SELECT credit_code FROM tenant_entries WHERE declaration_id = :d"),
                                      {"d": declaration_id}).scalars())
        recovery = (min(after) - restarted[0]) if after and restarted else 0.0
        rows.append(Row("kill -9 of tenants mid intake burst", phones, len(acknowledged), len(codes),
                        len(acknowledged - set(codes)), len(codes) - len(set(codes)), recovery))
    finally:
        system.stop()
    return rows


def run(outage, phones, events, node=None, sms_outage=None, workdir=None):
    own = node is None
    node = node or OwnNode()
    if own:
        node.start()
    try:
        with Environment(node) as env:
            return [
                broker_stopped_mid_intake_burst(env, outage, phones),
                late_consumer(env, events),
                sms_provider_down(env, outage if sms_outage is None else sms_outage, max(5, phones // 2)),
                *services_killed(env, max(6, phones // 2), workdir or tempfile.mkdtemp(prefix="sme-faults-")),
            ]
    finally:
        if own:
            node.remove()


def main():
    s = settings()
    rows = run(s["outage"], s["phones"], s["events"], sms_outage=s["sms_outage"])
    print(table(rows))
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
