"""Backup and restore benchmark (not a test): how long `make backup` and
`make restore` take for a round of N declarations.

    .venv/bin/python -W ignore -m bench.restore [--declarations 10000] [--tenants 10] [--attachments 2] [--blob-kb 8]

Fills a PostgreSQL database made for the run (a schema per service, every
migration applied) with N declarations as the declarations and tenants
services store them: the six sections, a submitted version with its
snapshot, two transitions, `--attachments` attachment rows each with a blob
of `--blob-kb` KiB in a local blob store, `--tenants` tenant entries, plus an
enterprise account per declaration. Generated in PostgreSQL itself
(generate_series), so filling is quick. Then it backs up
(services.common.backup.create), drops the database and the blobs, and
restores (services.common.backup.restore) — first for a tenth of N (the
baseline, measured in the same run), then for N — and prints the times and
their ratio to the baseline per declaration. The database is dropped and the
temporary directory removed at the end, also after an error or Ctrl-C.
"""
import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.common import known_warnings  # noqa: E402

known_warnings.quiet()  # before the libraries that warn on import

from sqlalchemy import create_engine, text  # noqa: E402

from services.common import backup, blobs, migrations  # noqa: E402
from services.common import contracts as c  # noqa: E402
from tests.support import database  # noqa: E402

SECTION = json.dumps({"base_name": "玄武创业园", "address": "南京市玄武区珠江路1号", "introduction": "基地简介" * 40,
                      "contact": "李四", "contact_mobile": "13912345678"}, ensure_ascii=False)
ROWS = json.dumps([{"id": f"r{i}", "name": "王五", "title": "主任", "phone": "025-83334567",
                    "content": "创业计划书辅导" * 5} for i in range(8)], ensure_ascii=False)
ENTRY = json.dumps({"base": {"move_in_date": "2023-03-01", "leased_area": "120.5"},
                    "basic": {"company_name": "南京示例科技有限公司", "contact_name": "王芳",
                              "contact_mobile": "13912345678", "industry": "软件和信息技术服务业"},
                    "operations": {"employees": "35", "revenue": "1234.50", "tax": "56.7"}}, ensure_ascii=False)


def fill(url, n, tenants, attachments):
    engine = create_engine(url)
    params = {"n": n, "section": SECTION, "rows": ROWS, "entry": ENTRY, "t": tenants, "a": attachments}
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO declarations.batches (id, name, year, kind, opens_at, closes_at, resubmit_until, notice,"
            " thresholds, thresholds_block, required_attachments, max_attachment_mb, demo, created_at, updated_at)"
            " VALUES ('bench', '2026年度认定', 2026, '首次申报', now(), now() + interval '30 days',"
            " now() + interval '60 days', '', '{}', false, '[]', 20, false, now(), now())"))
        conn.execute(text(
            "INSERT INTO accounts.accounts (id, kind, username, password_hash, display_name, disabled,"
            " created_at) SELECT 'e' || i, 'enterprise', 'qiye' || i, 'scrypt$x$y', '企业' || i,"
            " false, now() FROM generate_series(1, :n) i"), params)
        conn.execute(text(
            "INSERT INTO declarations.declarations (id, batch_id, enterprise_id, state, region_code, seen_regions,"
            " reference, version, level, return_sections, problems, accepted_at, submitted_at, created_at,"
            " updated_at) SELECT 'd' || i, 'bench', 'e' || i, 'pending_county', '320102', '[\"320102\"]',"
            " 'SC' || i, 1, 'county', '[]', '[]', now(), now(), now(), now() FROM generate_series(1, :n) i"),
            params)
        conn.execute(text(
            "INSERT INTO declarations.sections (declaration_id, key, data, updated_at)"
            " SELECT 'd' || i, k, CASE WHEN k = 'application' THEN CAST(:section AS json)"
            " ELSE CAST(:rows AS json) END, now() FROM generate_series(1, :n) i,"
            " unnest(ARRAY['application', 'personnel', 'partners', 'ledger']) k"), params)
        conn.execute(text(
            "INSERT INTO declarations.versions (declaration_id, version, submitted_at, level, snapshot)"
            " SELECT 'd' || i, 1, now(), 'county', json_build_object('application', CAST(:section AS json),"
            " 'personnel', CAST(:rows AS json), 'ledger', CAST(:rows AS json)) FROM generate_series(1, :n) i"),
            params)
        conn.execute(text(
            "INSERT INTO declarations.transitions (declaration_id, from_state, to_state, at, actor_kind, actor_id,"
            " version) SELECT 'd' || i, s.f, s.t, now(), 'enterprise', 'e' || i, 1 FROM generate_series(1, :n) i,"
            " (VALUES (NULL, 'draft'), ('draft', 'pending_county')) s(f, t)"), params)
        conn.execute(text(
            "INSERT INTO declarations.attachments (id, declaration_id, category, filename, content_type, size,"
            " sha256, blob_key, uploaded_at) SELECT 'a' || i || '-' || j, 'd' || i, '申请报告', '申请报告.pdf',"
            " 'application/pdf', 0, '', 'declarations/d' || i || '/a' || j, now()"
            " FROM generate_series(1, :n) i, generate_series(1, :a) j"), params)
        conn.execute(text(
            "INSERT INTO tenants.tenant_entries (id, declaration_id, credit_code, company_name, size, state, data,"
            " reference, submissions, first_submitted_at, submitted_at, updated_at)"
            " SELECT 't' || i || '-' || j, 'd' || i, '91320102MA1XYW12A' || mod(j, 10), '企业' || j, '小型',"
            " 'submitted', CAST(:entry AS json), 'R' || j, 1, now(), now(), now()"
            " FROM generate_series(1, :n) i, generate_series(1, :t) j"), params)
    engine.dispose()


def put_blobs(store, n, attachments, size):
    body = (b"%PDF-1.4\n" + bytes(range(256)) * (size // 256 + 1))[:size]
    for i in range(1, n + 1):
        for j in range(1, attachments + 1):
            store.put(f"declarations/d{i}/a{j}", body, "application/pdf")


def lose(url, blob_dir):
    name = url.rsplit("/", 1)[1]
    database.drop_database(url)
    admin = create_engine(database.ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    shutil.rmtree(blob_dir, ignore_errors=True)


def count(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        found = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in (
            "declarations.declarations", "declarations.versions", "declarations.attachments",
            "tenants.tenant_entries")}
    engine.dispose()
    return found


def run_round(n, args, work):
    url = database.create_database("sme_bench_restore")
    try:
        conf = {c.ENV_DATABASE_URL: url, c.ENV_BLOB_DIR: str(work / f"blobs-{n}"),
                c.ENV_BACKUP_DIR: str(work / f"backups-{n}")}
        for service in c.SERVICES:
            migrations.upgrade(service, conf)
        fill(url, n, args.tenants, args.attachments)
        store = blobs.blob_store(conf)
        put_blobs(store, n, args.attachments, args.blob_kb * 1024)
        expected = count(url)
        started = time.monotonic()
        made = backup.create(conf)
        backup_seconds = time.monotonic() - started
        size = sum(p.stat().st_size for p in made.rglob("*") if p.is_file())
        lose(url, conf[c.ENV_BLOB_DIR])
        started = time.monotonic()
        backup.restore(made, conf)
        restore_seconds = time.monotonic() - started
        assert count(url) == expected, "the restore lost rows"
        assert len(store.keys()) == n * args.attachments, "the restore lost blobs"
        return {"n": n, "backup": backup_seconds, "restore": restore_seconds, "size": size}
    finally:
        database.drop_database(url)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=10000)
    parser.add_argument("--tenants", type=int, default=10, help="tenant entries per declaration")
    parser.add_argument("--attachments", type=int, default=2, help="attachments per declaration")
    parser.add_argument("--blob-kb", type=int, default=8, help="size of each attachment")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-restore-"))
    try:
        rounds = [run_round(max(1, args.declarations // 10), args, work), run_round(args.declarations, args, work)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base = rounds[0]
    print(f"\n{args.tenants} tenant entries, {args.attachments} attachments of {args.blob_kb} KiB per declaration\n")
    print(f"    {'declarations':>12} {'backup size':>12} {'backup':>9} {'restore':>9} {'restore per decl.':>18} {'ratio':>7}")
    for r in rounds:
        per = r["restore"] / r["n"]
        ratio = per / (base["restore"] / base["n"])
        note = "   (baseline)" if r is base else ""
        print(f"    {r['n']:>12} {r['size'] / 2**20:>9.1f} MB {r['backup']:>8.1f}s {r['restore']:>8.1f}s"
              f" {per * 1000:>15.2f} ms {ratio:>6.2f}x{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
