"""Review list benchmark (not a test): `make bench-review-list`, or

    .venv/bin/python -m bench.review_list [--cases 10000] [--rounds 40]

Starts the system (make run's processes) on a RabbitMQ vhost and a
PostgreSQL database made for the run, seeds N review cases directly into
review's tables (across the province's cities and counties, in every state),
then times `review.list_cases` RPCs for a province reviewer and a county
reviewer: the first page, a deep page reached by token, a filtered page,
and the same deep page asked by number (the OFFSET path older callers use).
Prints p50/p99 per scenario, the ratio of the deep page by token to the
deep page by number, and the SQL statements one page costs with the figures
cached and without (counted in this process on the same database).
"""
import argparse
import datetime as dt
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.common import known_warnings  # noqa: E402,F401

from sqlalchemy import event, insert  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.intake import percentile  # noqa: E402
from gateway.rpc import RpcClient  # noqa: E402
from services.common import contracts as c  # noqa: E402
from services.common import regions  # noqa: E402
from services.common.db import make_engine  # noqa: E402
from services.common.principal import Principal  # noqa: E402
from services.review import listing  # noqa: E402
from services.review.list_cache import Figures  # noqa: E402
from services.review.models import ReviewCase  # noqa: E402
from tests.support.identifiers import credit_code  # noqa: E402
from tests.support.system import running_system  # noqa: E402

PROVINCE = Principal(kind=c.REVIEWER, id="bench-province", region_code="320000", level=c.PROVINCE)
COUNTY = "320102"
STATES = [s for s in c.STATE_LABELS if s != c.DRAFT]


def seed(engine, n, rng):
    counties = [county["code"] for city in regions.tree() for county in city["counties"]]
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    rows = []
    for i in range(n):
        region = COUNTY if i % 20 == 0 else rng.choice(counties)
        at = start + dt.timedelta(minutes=rng.randrange(0, 300_000))
        state = c.PENDING_PROVINCE if i % 3 == 0 else rng.choice(STATES)
        name = f"{rng.choice(['玄武', '鼓楼', '锡山', '园区', '常州'])}创业园{i}"
        rows.append(dict(
            declaration_id=str(uuid.uuid4()), enterprise_id=f"ent-{i}", batch_id=f"b{2025 + i % 2}",
            batch_name=f"{2025 + i % 2}年度认定", base_name=name, enterprise_name=name + "运营有限公司",
            credit_code=credit_code(region=region), region_code=region, city_code=regions.city_of(region),
            state=state, level=None, version=1, revision=1, resubmission=False, submitted_at=at,
            first_submitted_at=at, summary={"base_name": name, "tenant_count": 50}, updated_at=at,
            publicity_required=True,
        ))
    with engine.begin() as conn:
        for k in range(0, n, 1000):
            conn.execute(insert(ReviewCase), rows[k:k + 1000])
        conn.exec_driver_sql("ANALYZE review_cases")


def timed(rpc, principal, filters, rounds):
    times, result = [], None
    for _ in range(rounds):
        began = time.perf_counter()
        result = rpc.call(c.REVIEW, c.REVIEW_LIST_CASES, filters, principal=principal)
        times.append((time.perf_counter() - began) * 1000)
    return times, result


def timed_here(engine, principal, filters, rounds, cache):
    """The same page read in this process (no RPC): the database's part."""
    times = []
    for _ in range(rounds):
        with Session(engine) as session:
            began = time.perf_counter()
            listing.list_cases(session, principal, filters, cache=cache)
            times.append((time.perf_counter() - began) * 1000)
    return times


def baseline(rpc, rounds):
    """p50, p99 of the cheapest RPC (review.health) on this machine now."""
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        rpc.call(c.REVIEW, c.RPC_HEALTH)
        times.append((time.perf_counter() - began) * 1000)
    return percentile(times, 50), percentile(times, 99)


def deep_token(rpc, principal, filters, pages):
    result = {"next": None}
    for _ in range(pages):
        paging = {"after": result["next"]} if result["next"] else {}
        result = rpc.call(c.REVIEW, c.REVIEW_LIST_CASES, {**filters, **paging}, principal=principal)
    return result["next"]


def statements(engine, principal, filters, cache):
    count = [0]

    def counter(*_args):
        count[0] += 1

    event.listen(engine, "before_cursor_execute", counter)
    try:
        with Session(engine) as session:
            listing.list_cases(session, principal, filters, cache=cache)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count[0]


def scenarios(rpc, who, principal, deep):
    base = {"tab": "all", "per_page": 20}
    token = deep_token(rpc, principal, base, deep - 1)
    return [
        (f"{who}: first page", principal, base),
        (f"{who}: page {deep} by token", principal, {**base, "after": token}),
        (f"{who}: page {deep} by number (OFFSET)", principal, {**base, "page": deep}),
        (f"{who}: filtered (state, credit prefix)", principal,
         {**base, "state": c.PENDING_PROVINCE, "credit_code": "91320"}),
        (f"{who}: 待审核 tab, name search", principal, {"tab": "todo", "per_page": 20, "q": "创业园1"}),
    ]


def run(n, rounds, seed_value):
    with tempfile.TemporaryDirectory(prefix="bench-review-list-") as work:
        print("starting the system (make run's processes) ...", flush=True)
        with running_system(work) as system:
            url = system.env[c.ENV_DATABASE_URL]
            engine = make_engine(c.REVIEW, {c.ENV_DATABASE_URL: url})
            print(f"seeding {n} cases ...", flush=True)
            seed(engine, n, random.Random(seed_value))
            config = {c.ENV_AMQP_URI: system.env[c.ENV_AMQP_URI],
                      c.ENV_PRINCIPAL_SECRET: system.env[c.ENV_PRINCIPAL_SECRET]}
            rpc = RpcClient(config, timeout=30)
            county = Principal(kind=c.REVIEWER, id="bench-county", region_code=COUNTY, level=c.COUNTY)
            try:
                rows = scenarios(rpc, "province", PROVINCE, 250) + scenarios(rpc, "county", county, 10)
                results, cache = {}, Figures()
                print("RPC baseline (review.health) p50 %.1f ms, p99 %.1f ms" % baseline(rpc, rounds))
                print(f"\n{'scenario':44} {'RPC p50':>8} {'RPC p99':>8} {'db p50':>7} {'db p99':>7}  (ms)")
                for label, principal, filters in rows:
                    timed(rpc, principal, filters, 3)  # warm
                    times, _ = timed(rpc, principal, filters, rounds)
                    here = timed_here(engine, principal, filters, rounds, cache)
                    results[label] = times
                    print(f"{label:44} {percentile(times, 50):8.1f} {percentile(times, 99):8.1f} "
                          f"{percentile(here, 50):7.1f} {percentile(here, 99):7.1f}", flush=True)
                old = timed_here(engine, PROVINCE, {"tab": "all", "per_page": 20, "page": 250}, rounds, None)
                print(f"{'province: page 250 as before (OFFSET, figures)':44} {'':8} {'':8} "
                      f"{percentile(old, 50):7.1f} {percentile(old, 99):7.1f}")
                new = timed_here(engine, PROVINCE, rows[1][2], rounds, cache)
                print(f"province page 250, db: by token with cached figures / as before, p50 "
                      f"{percentile(new, 50) / percentile(old, 50):.2f}, p99 {percentile(new, 99) / percentile(old, 99):.2f}")
                for who, deep in (("province", 250), ("county", 10)):
                    ratio = percentile(results[f"{who}: page {deep} by token"], 50) / \
                        percentile(results[f"{who}: page {deep} by number (OFFSET)"], 50)
                    print(f"{who}: deep page by token / by number, p50: {ratio:.2f}")
                base = {"tab": "all", "per_page": 20}
                cache = Figures(seconds=600)
                statements(engine, PROVINCE, base, cache)
                print(f"statements per page, by number as before: "
                      f"{statements(engine, PROVINCE, {**base, 'page': 250}, None)}")
                statements(engine, PROVINCE, base, cache)
                print(f"statements per page: figures cached {statements(engine, PROVINCE, base, cache)}, "
                      f"computed {statements(engine, PROVINCE, base, None)}")
            finally:
                rpc.close()
                engine.dispose()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40, help="RPCs per scenario (default 40)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    run(args.cases, args.rounds, args.seed)


if __name__ == "__main__":
    main()
