"""SQL statements per 申请表 save (not a test):

    .venv/bin/python -W ignore -m bench.statements [--saves 50]

Starts the whole system as `make run` does, each process with
bench/sql_tally/sitecustomize.py (which counts, on a signal, the statements
SQLAlchemy sends). One enterprise saves its 申请表 a few times to warm up;
then the services count while it saves `--saves` more times, one after the
other, over HTTP. Prints, per service, the statements per save and each
kind of statement with how often it ran per save. The relays' and the
housekeepers' own statements run meanwhile too: they show as fractions.
`--profile` also prints where declarations and accounts spent their time.

    .venv/bin/python -W ignore -m bench.statements --intake 50

does the same for tenant entries instead of saves: that many phones, one
after the other, through the one-page intake (the page, 确认提交, the
receipt), statements per entry.
"""
import argparse
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.common import known_warnings  # noqa: E402

known_warnings.quiet()

from bench import http_parts as parts  # noqa: E402
from bench.http import Enterprise  # noqa: E402
from services.common import contracts as c  # noqa: E402
from tests.support.system import running_system  # noqa: E402


def signal_services(system):
    for service in c.SERVICES:
        os.kill(system.processes[service].pid, signal.SIGUSR2)


def read_tallies(directory, system):
    pids = {system.processes[s].pid: s for s in c.SERVICES}
    out = {}
    for path in Path(directory).glob("*.json"):
        pid = int(path.stem)
        if pid in pids:
            out[pids[pid]] = json.loads(path.read_text(encoding="utf-8"))["counts"]
    return out


def print_profiles(directory, system, saves, top=25):
    import pstats

    for service in (c.DECLARATIONS, c.ACCOUNTS, c.TENANTS):
        path = Path(directory) / f"{system.processes[service].pid}.prof"
        if path.exists():
            print(f"\n{service}: where the time of {saves} saves went (cProfile, by own time)")
            pstats.Stats(str(path)).sort_stats("tottime").print_stats(top)


def intake_entries(system, enterprise, count):
    """`count` phones, one after the other, each submitting one entry
    through the one-page intake of `enterprise`'s declaration."""
    import random

    from bench import intake
    from gateway.rpc import RpcClient
    from services.common.principal import Principal

    owner = Principal(kind=c.ENTERPRISE, id=enterprise.account, region_code="320102")
    config = {c.ENV_AMQP_URI: system.env[c.ENV_AMQP_URI], c.ENV_PRINCIPAL_SECRET: system.env[c.ENV_PRINCIPAL_SECRET]}
    rpc = RpcClient(config, timeout=30)
    try:
        link = parts.open_intake_link(rpc, enterprise.declaration, owner)
    finally:
        rpc.close()
    rng = random.Random(5)
    entries = [intake.entry(rng, n) for n in range(count + 3)]

    def submit(n):
        intake.Phone(system.url, link["token"], {}).by_page(entries[n], press_twice=False)

    return submit


def run(saves, profile, intake_count=0):
    with tempfile.TemporaryDirectory(prefix="bench-sql-") as work:
        tally = Path(work) / "tally"
        tally.mkdir()
        os.environ["BENCH_SQL_TALLY"] = str(tally)
        os.environ["BENCH_PROFILE"] = "1" if profile else "0"
        os.environ["PYTHONPATH"] = f"{ROOT / 'bench' / 'sql_tally'}{os.pathsep}{ROOT}"
        with running_system(work) as system:
            parts.seed_demo(system.env)
            (account, token), = parts.enterprise_sessions(system.env, 1)
            enterprise = Enterprise(system.url, token)
            enterprise.open_declaration()
            enterprise.account = account
            operation, count = enterprise.save, saves
            if intake_count:
                submit, count = intake_entries(system, enterprise, intake_count), intake_count
                numbers = iter(range(intake_count + 3))
                operation = lambda: submit(next(numbers))  # noqa: E731
            for _ in range(3):
                operation()
            signal_services(system)  # start counting
            time.sleep(0.5)
            started = time.perf_counter()
            for _ in range(count):
                operation()
            elapsed = time.perf_counter() - started
            signal_services(system)  # write the counts
            time.sleep(1.0)
            tallies = read_tallies(tally, system)
            what = "tenant entries through the one-page intake" if intake_count else "saves of the 申请表"
            report(tallies, count, elapsed, what)
            if profile:
                print_profiles(tally, system, count)


def report(tallies, saves, elapsed, what="saves of the 申请表"):
    print(f"\n{saves} {what} over HTTP, one at a time, in {elapsed:.1f} s")
    for service in c.SERVICES:
        counts = tallies.get(service)
        if not counts:
            continue
        total = sum(counts.values())
        print(f"\n{service}: {total / saves:.1f} statements per operation")
        for statement, n in sorted(counts.items(), key=lambda kv: -kv[1]):
            print(f"  {n / saves:6.2f}  {statement}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=50)
    parser.add_argument("--profile", action="store_true",
                        help="also profile the declarations and accounts services over the same saves")
    parser.add_argument("--intake", type=int, default=0,
                        help="count the statements of this many tenant entries instead of saves")
    args = parser.parse_args(argv)
    run(args.saves, args.profile, args.intake)
    return 0


if __name__ == "__main__":
    sys.exit(main())
