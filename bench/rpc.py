"""RPC and event benchmark (not a test): `make bench`, or

    .venv/bin/python -m bench.rpc [--scale 0.2] [--max-workers 10]

Starts the services of bench/services.py, each in its own `nameko run`
process, on a RabbitMQ vhost and a PostgreSQL database made for the run (both
removed at the end), then measures on loopback:

- baseline: a raw kombu publish -> consume round trip on one connection;
- gateway -> service RPC, serial and with 50 concurrent callers, through the
  gateway's own client (gateway.rpc.RpcClient, one proxy per thread);
- service -> service RPC, serial and 50 at a time, through nameko's RpcProxy
  inside a worker;
- an RPC that writes an outbox row (gateway -> service -> PostgreSQL);
- event latency through the outbox: `self.db.dispatch` in a worker -> commit
  -> publish with confirms -> delivery to a raw kombu consumer, and to the
  project's `event_handler` in another service, p50 and p99;
- the resident memory of every process.

Each figure is printed beside its ratio to the baseline measured in the same
run (see bench/README.md): absolute times vary from machine to machine.
"""
import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.common import known_warnings  # noqa: E402

known_warnings.quiet()  # before the libraries that warn on import

import psutil  # noqa: E402
from kombu import Connection, Consumer, Producer, Queue  # noqa: E402

from bench import services as bench_services  # noqa: E402
from bench.load import CpuMeter  # noqa: E402
from services.common import contracts as c  # noqa: E402
from tests.support import database, rabbit  # noqa: E402

CONCURRENCY = 50
BIN = Path(sys.executable).parent


# --- measuring ------------------------------------------------------------------
def percentile(values, p):
    """Nearest-rank percentile of `values` (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * p // 100))  # ceil
    return ordered[int(rank) - 1]


class Figure:
    """One measured line: seconds per operation (or a latency) and, once the
    baseline is known, its ratio to the baseline."""

    def __init__(self, label, seconds, count=None, per_second=None, note="", cpu=None):
        self.label = label
        self.seconds = seconds
        self.count = count
        self.per_second = per_second
        self.note = note
        self.cpu = cpu  # (caller, service) CPU seconds per operation, when measured


def cpu_meter(processes, service):
    """CPU of this process (the caller) and of one service process, read
    from /proc/<pid>/stat: less at the mercy of a busy machine than time."""
    return CpuMeter({"caller": lambda: [os.getpid()], "service": lambda: [processes.procs[service].pid]})


def metered(meter, measure, count):
    meter.start()
    result = measure()
    spent = meter.stop()
    return result, (spent["caller"] / count, spent["service"] / count)


def timed_serial(call, count):
    started = time.perf_counter()
    for i in range(count):
        call(i)
    elapsed = time.perf_counter() - started
    return elapsed / count, count / elapsed


def timed_concurrent(call, callers, per_caller, warm_up):
    """`callers` threads, each calling `per_caller` times after a warm-up of
    its own (thread-local proxies are built outside the measurement)."""
    barrier = threading.Barrier(callers + 1)
    errors = []

    def caller():
        try:
            warm_up()
        except Exception as exc:  # reported below; the barrier still releases
            errors.append(exc)
        barrier.wait()
        barrier.wait()
        try:
            for i in range(per_caller):
                call(i)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=caller, daemon=True) for _ in range(callers)]
    for t in threads:
        t.start()
    barrier.wait()  # every caller warmed up
    started = time.perf_counter()
    barrier.wait()  # go
    for t in threads:
        t.join(120)
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} caller(s) failed, first: {errors[0]!r}")
    total = callers * per_caller
    return elapsed / total, total / elapsed


# --- the baseline ---------------------------------------------------------------
def kombu_baseline(amqp_uri, count):
    """Serial publish -> consume round trips of a small JSON message through a
    transient queue, on one connection: what the broker and the client library
    cost before any framework. Returns (seconds per round trip, latencies)."""
    latencies = []
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        queue = Queue(f"bench-baseline-{uuid.uuid4().hex[:8]}", exclusive=True, auto_delete=True,
                      durable=False)(channel)
        queue.declare()
        producer = Producer(channel, serializer="json")
        received = []
        consumer = Consumer(channel, queues=[queue], accept=["json"],
                            callbacks=[lambda body, message: (message.ack(), received.append(body))])
        consumer.consume()

        def round_trip(i):
            started = time.perf_counter()
            producer.publish({"seq": i}, routing_key=queue.name, exchange="")
            while len(received) <= i:
                conn.drain_events(timeout=10)
            latencies.append(time.perf_counter() - started)

        for i in range(min(200, count)):  # warm-up
            round_trip(i)
        received.clear()
        latencies.clear()
        per_op, _ = timed_serial(round_trip, count)
        consumer.cancel()
    return per_op, latencies


# --- the system under measurement ----------------------------------------------
class Processes:
    def __init__(self, env, log_dir):
        self.env = env
        self.log_dir = log_dir
        self.procs = {}

    def start(self, name, service_class):
        log = open(self.log_dir / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(
            [str(BIN / "nameko"), "run", "--config", str(ROOT / "deploy" / "nameko.yaml"),
             f"bench.services:{service_class}"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()

    def check_alive(self):
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{name} exited with code {proc.returncode}:\n{tail}")

    def rss(self):
        out = {}
        for name, proc in self.procs.items():
            try:
                out[name] = psutil.Process(proc.pid).memory_info().rss
            except psutil.Error:
                out[name] = None
        return out

    def stop(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def wait_ready(client, processes, timeout=60):
    from gateway.rpc import ServiceUnavailable

    checks = [
        (bench_services.ECHO, "echo", (0,)),
        (bench_services.RELAY, "ready", ()),
        (bench_services.PRODUCER, "ready", ()),
        (bench_services.CONSUMER, "ready", ()),
    ]
    deadline = time.monotonic() + timeout
    for service, method, args in checks:
        while True:
            processes.check_alive()
            try:
                client.call(service, method, *args, timeout=2)
                break
            except ServiceUnavailable:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service} did not answer within {timeout}s") from None


class EventRecorder:
    """A raw kombu consumer, in a thread of its own, of the producer's events:
    records each event's latency from its dispatch in the worker."""

    def __init__(self, amqp_uri):
        from services.common.outbox import event_exchange

        self.amqp_uri = amqp_uri
        self.exchange = event_exchange(bench_services.EVENT_SOURCE)
        self.latencies = {}
        self.ready = threading.Event()
        self.stopping = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _on_message(self, body, message):
        received = time.monotonic()
        message.ack()
        data = body["data"]
        self.latencies[data["seq"]] = received - data["dispatched"]

    def _run(self):
        try:
            with Connection(self.amqp_uri) as conn:
                channel = conn.channel()
                queue = Queue(f"bench-events-{uuid.uuid4().hex[:8]}", exchange=self.exchange,
                              routing_key=bench_services.EVENT_TYPE, exclusive=True,
                              auto_delete=True, durable=False)(channel)
                self.exchange(channel).declare()
                queue.declare()
                with Consumer(channel, queues=[queue], accept=["json"], callbacks=[self._on_message]):
                    self.ready.set()
                    while not self.stopping.is_set():
                        try:
                            conn.drain_events(timeout=0.5)
                        except socket.timeout:
                            pass
        except Exception as exc:
            self.error = exc
            self.ready.set()

    def start(self):
        self.thread.start()
        if not self.ready.wait(15) or self.error:
            raise RuntimeError(f"event consumer did not start: {self.error!r}")

    def wait_for(self, count, timeout=30):
        deadline = time.monotonic() + timeout
        while len(self.latencies) < count and time.monotonic() < deadline and not self.error:
            time.sleep(0.05)
        return len(self.latencies)

    def stop(self):
        self.stopping.set()
        self.thread.join(5)


# --- the run ----------------------------------------------------------------------
def scaled(n, scale):
    return max(1, int(n * scale))


def measure(amqp_uri, processes, config, scale):
    from gateway.rpc import RpcClient

    figures = []
    n_base = scaled(2000, scale)
    base_per_op, base_latencies = kombu_baseline(amqp_uri, n_base)
    baseline = Figure("raw kombu publish -> consume round trip", base_per_op, n_base, 1 / base_per_op)
    base_p50, base_p99 = percentile(base_latencies, 50), percentile(base_latencies, 99)

    client = RpcClient(config, timeout=30)
    try:
        echo = lambda i: client.call(bench_services.ECHO, "echo", i)  # noqa: E731
        for i in range(50):
            echo(i)  # warm-up: proxy and reply queue built
        n = scaled(1000, scale)
        (per_op, rate), cpu = metered(cpu_meter(processes, bench_services.ECHO), lambda: timed_serial(echo, n), n)
        figures.append(Figure("gateway -> service RPC, serial", per_op, n, rate, cpu=cpu))

        per_caller = max(1, scaled(2000, scale) // CONCURRENCY)
        (per_op, rate), cpu = metered(
            cpu_meter(processes, bench_services.ECHO),
            lambda: timed_concurrent(echo, CONCURRENCY, per_caller, warm_up=lambda: echo(0)), CONCURRENCY * per_caller)
        figures.append(Figure(f"gateway -> service RPC, {CONCURRENCY} concurrent callers", per_op,
                              CONCURRENCY * per_caller, rate, cpu=cpu))

        relay = lambda calls, concurrency: client.call(  # noqa: E731
            bench_services.RELAY, "run", calls, concurrency, timeout=120)
        relay(50, 1)  # warm-up: the relay's reply queue
        n = scaled(1000, scale)
        seconds = relay(n, 1)
        figures.append(Figure("service -> service RPC, serial", seconds / n, n, n / seconds))
        n = scaled(2000, scale)
        seconds = relay(n, CONCURRENCY)
        figures.append(Figure(f"service -> service RPC, {CONCURRENCY} at a time", seconds / n, n,
                              n / seconds))

        recorder = EventRecorder(amqp_uri)
        recorder.start()
        try:
            emit = lambda i: client.call(bench_services.PRODUCER, "emit", i)  # noqa: E731
            n = scaled(500, scale)
            (per_op, rate), cpu = metered(cpu_meter(processes, bench_services.PRODUCER),
                                          lambda: timed_serial(emit, n), n)
            figures.append(Figure("gateway -> service RPC writing an outbox row", per_op, n, rate, cpu=cpu))
            got = recorder.wait_for(n)
            latencies = list(recorder.latencies.values())
        finally:
            recorder.stop()
        if got < n:
            raise RuntimeError(f"only {got} of {n} events reached the kombu consumer within 30s")
        handled = []
        deadline = time.monotonic() + 30
        while len(handled) < n and time.monotonic() < deadline:
            handled = client.call(bench_services.CONSUMER, "latencies")
            time.sleep(0.2)
        if len(handled) < n:
            raise RuntimeError(f"only {len(handled)} of {n} events were handled within 30s")
        events = []
        for label, values in (("event dispatch -> kombu consumer", latencies),
                              ("event dispatch -> event_handler", handled)):
            events.append(Figure(f"{label}, p50", percentile(values, 50), n, note="vs baseline p50"))
            events.append(Figure(f"{label}, p99", percentile(values, 99), n, note="vs baseline p99"))
    finally:
        client.close()
    memory = processes.rss()
    memory["bench (the caller: 50 gateway RPC connections)"] = psutil.Process().memory_info().rss
    return baseline, (base_p50, base_p99), figures, events, memory


def report(baseline, base_latency, figures, events, memory, max_workers):
    ms = lambda s: f"{s * 1000:8.3f} ms"  # noqa: E731
    rate = lambda r: f"{r:9.0f}/s" if r else " " * 11  # noqa: E731
    width = max(len(f.label) for f in (baseline, *figures, *events)) + 2
    print(f"\nRPC and event benchmark (loopback; services run with max_workers={max_workers})")
    print("ratio = time per operation / the baseline's time per round trip (lower is better)\n")
    print(f"{'':{width}} {'count':>6} {'per op':>11} {'throughput':>11} {'ratio':>8}"
          f"   CPU per op: caller / service")
    print(f"{baseline.label:{width}} {baseline.count:6d} {ms(baseline.seconds)} "
          f"{rate(baseline.per_second)} {1.0:7.1f}x   (baseline)")
    for f in figures:
        cpu = f"   {ms(f.cpu[0]).strip()} / {ms(f.cpu[1]).strip()}" if f.cpu else ""
        print(f"{f.label:{width}} {f.count:6d} {ms(f.seconds)} {rate(f.per_second)} "
              f"{f.seconds / baseline.seconds:7.1f}x{cpu}")
    print()
    base_p50, base_p99 = base_latency
    print(f"{'baseline round trip latency, p50 / p99':{width}} {'':6} {ms(base_p50)} / {ms(base_p99).strip()}")
    for f, base in zip(events, (base_p50, base_p99) * (len(events) // 2)):
        print(f"{f.label:{width}} {f.count:6d} {ms(f.seconds)} {'':11} {f.seconds / base:7.1f}x   ({f.note})")
    print("\nresident memory (RSS)")
    for name, rss in memory.items():
        shown = f"{rss / 2**20:7.1f} MB" if rss else "   gone"
        print(f"  {name:{width - 2}} {shown}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="RPC and event benchmark (see bench/README.md).")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply every loop's count (e.g. 0.2 for a quick look)")
    parser.add_argument("--max-workers", type=int, default=10,
                        help="nameko max_workers of each service (deploy/nameko.yaml's default: 10)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Closing 50 RPC proxies makes py-amqp log every publisher confirm that
    # arrives while a channel closes; harmless here.
    logging.getLogger("amqp").setLevel(logging.ERROR)

    vhost, amqp_uri = rabbit.create_vhost("sme_bench")
    database_url = None
    processes = None
    try:
        database_url = database.create_database("sme_bench")
        config = {c.ENV_AMQP_URI: amqp_uri, c.ENV_DATABASE_URL: database_url}
        from services.common import migrations

        migrations.upgrade(bench_services.EVENT_SOURCE, config)
        with tempfile.TemporaryDirectory(prefix="sme-bench-") as tmp:
            env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONWARNINGS="ignore", LOG_LEVEL="WARNING",
                       MAX_WORKERS=str(args.max_workers), **config)
            processes = Processes(env, Path(tmp))
            processes.start(bench_services.ECHO, "Echo")
            processes.start(bench_services.RELAY, "Relay")
            processes.start(bench_services.PRODUCER, "Producer")
            processes.start(bench_services.CONSUMER, "Consumer")
            from gateway.rpc import RpcClient

            probe = RpcClient(config)
            try:
                wait_ready(probe, processes)
            finally:
                probe.close()
            started = time.perf_counter()
            results = measure(amqp_uri, processes, config, args.scale)
            processes.check_alive()
            report(*results, max_workers=args.max_workers)
            print(f"\nmeasured in {time.perf_counter() - started:.1f}s")
            processes.stop()
            processes = None
    finally:
        if processes is not None:
            processes.stop()
        if database_url:
            database.drop_database(database_url)
        rabbit.delete_vhost(vhost)
    return 0


if __name__ == "__main__":
    sys.exit(main())
