"""What `make bench-http` measures with: a load generator of Python threads
(each a client of its own), percentiles, the CPU time of processes read
from /proc/<pid>/stat, and resident memory."""
import os
import threading
import time

import psutil

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values, p):
    """Nearest-rank percentile of `values` (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * p // 100))  # ceil
    return ordered[int(rank) - 1]


def cpu_seconds(pid):
    """User + system CPU seconds of a process (all its threads) so far; 0
    for a process that is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def process_tree(pid):
    """A process and its descendants (gunicorn's master and its workers)."""
    try:
        root = psutil.Process(pid)
        return [pid] + [child.pid for child in root.children(recursive=True)]
    except psutil.Error:
        return []


class CpuMeter:
    """CPU seconds spent by named groups of processes between `start` and
    `stop`. `groups` maps a name to a function answering the group's pids
    (asked at both ends: processes that come or go count for what they
    spent inside the window that /proc still shows)."""

    def __init__(self, groups):
        self.groups = groups
        self.before = {}

    def _sample(self):
        return {name: {pid: cpu_seconds(pid) for pid in pids()} for name, pids in self.groups.items()}

    def start(self):
        self.before = self._sample()

    def stop(self):
        after = self._sample()
        spent = {}
        for name, pids in after.items():
            earlier = self.before.get(name, {})
            spent[name] = sum(max(0.0, seconds - earlier.get(pid, 0.0)) for pid, seconds in pids.items())
        return spent


def rss_mb(pid):
    try:
        return psutil.Process(pid).memory_info().rss / 2**20
    except psutil.Error:
        return None


class Run:
    """What one load run measured."""

    def __init__(self, latencies, elapsed, errors, cpu=None):
        self.latencies = latencies
        self.elapsed = elapsed
        self.errors = errors
        self.cpu = cpu or {}

    @property
    def count(self):
        return len(self.latencies)

    @property
    def throughput(self):
        return self.count / self.elapsed if self.elapsed else 0.0

    def p(self, q):
        return percentile(self.latencies, q)

    def cpu_per_op(self, *groups):
        return sum(self.cpu.get(g, 0.0) for g in groups) / self.count if self.count else float("nan")


def drive(clients, per_client, operation, meter=None, warm_up=3):
    """`clients` threads, each given its client object (`clients` is a list
    of them), calling `operation(client)` `warm_up` times, then, together,
    `per_client` times, timed. Returns a Run (CPU of `meter`'s groups over
    the timed part)."""
    barrier = threading.Barrier(len(clients) + 1)
    latencies, errors, lock = [], [], threading.Lock()

    def work(client):
        try:
            for _ in range(warm_up):
                operation(client)
        except Exception as exc:  # reported with the run; the barrier still releases
            errors.append(exc)
        barrier.wait()
        barrier.wait()
        mine = []
        for _ in range(per_client):
            started = time.perf_counter()
            try:
                operation(client)
            except Exception as exc:
                errors.append(exc)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work, args=(client,), daemon=True) for client in clients]
    for t in threads:
        t.start()
    barrier.wait()  # all warmed up
    if meter:
        meter.start()
    started = time.perf_counter()
    barrier.wait()  # go
    for t in threads:
        t.join(600)
    elapsed = time.perf_counter() - started
    cpu = meter.stop() if meter else {}
    return Run(latencies, elapsed, errors, cpu)
