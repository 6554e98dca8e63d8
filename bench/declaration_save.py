"""SQL statements per 保存 of the 申请表 (not a test): how many statements
one save sends to PostgreSQL, counted with a SQLAlchemy event listener.

    .venv/bin/python -W ignore -m bench.declaration_save [--saves 50]

Makes a PostgreSQL database of its own (removed at the end), migrates the
declarations schema, starts a declaration and saves its 申请表 --saves
times through the service's own `save_section` (with its idempotency record,
as each RPC does), each save in a transaction of its own. Prints the
statements per save by kind (the first save apart: it inserts the row) and
the time per save. No broker is needed: the RPC round trip is bench/rpc.py's.
"""
import argparse
import collections
import statistics
import sys
import time
import types
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.common import known_warnings  # noqa: E402

known_warnings.quiet()

from sqlalchemy import event  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from services.common import contracts as c  # noqa: E402
from services.common import migrations  # noqa: E402
from services.common.db import make_engine  # noqa: E402
from services.declarations import batches, editing  # noqa: E402
from services.declarations.service import DeclarationsService  # noqa: E402
from tests.declarations.helpers import ADMIN, application, batch_form, enterprise  # noqa: E402
from tests.support import database  # noqa: E402


class Statements:
    """Every statement the engine sends, by its first word."""

    def __init__(self, engine):
        self.seen = []
        event.listen(engine, "before_cursor_execute", self.record)

    def record(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append(statement.split(None, 1)[0].upper())


def save(service, declaration_id, n):
    """One 保存 as the RPC runs it: the idempotent entrypoint, then commit."""
    DeclarationsService.save_section(service, declaration_id, "application",
                                     application(base_name=f"玄武创业园{n}"), idempotency_key=uuid.uuid4().hex)
    service.db.session.commit()


def run(url, saves):
    config = {c.ENV_DATABASE_URL: url}
    migrations.upgrade(c.DECLARATIONS, config)
    engine = make_engine(c.DECLARATIONS, config)
    owner = enterprise("bench-ent")
    with Session(engine, expire_on_commit=True) as session:
        batch = batches.save_batch(session, ADMIN, batch_form())
        did = editing.start(session, owner, batch["id"], {}, accepted=True)["id"]
        session.commit()
    counter = Statements(engine)
    per_save, kinds, times = [], collections.Counter(), []
    for n in range(saves):
        with Session(engine, expire_on_commit=True) as session:
            service = types.SimpleNamespace(db=types.SimpleNamespace(session=session), caller=owner,
                                            name=c.DECLARATIONS)
            counter.seen.clear()
            started = time.perf_counter()
            save(service, did, n)
            times.append(time.perf_counter() - started)
            per_save.append(len(counter.seen))
            if n:
                kinds.update(counter.seen)
    engine.dispose()
    return per_save, kinds, times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=50)
    args = parser.parse_args(argv)
    saves = max(2, min(args.saves, 10000))
    url = database.create_database("sme_bench_save")
    try:
        per_save, kinds, times = run(url, saves)
    finally:
        database.drop_database(url)
    later = per_save[1:]
    print(f"保存 of the 申请表, {saves} saves")
    print(f"    statements, first save (inserts the section)   {per_save[0]}")
    print(f"    statements per later save                      {statistics.mean(later):.1f}")
    print("    by kind, per later save                        "
          + ", ".join(f"{k} {v / len(later):.1f}" for k, v in sorted(kinds.items())))
    print(f"    time per save, median                          {statistics.median(times) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
