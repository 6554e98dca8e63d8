"""Backups of the whole system and their restore.

A backup is a directory `<BACKUP_DIR>/<UTC time>/` holding

- `databases/<service>.dump`: every service's PostgreSQL data, `pg_dump` in
  custom format (its schema when the services share one database, its whole
  database when it has one of its own), or `<service>.sqlite3`, a copy of the
  embedded SQLite file (development without PostgreSQL);
- `blobs/<key>`: every object of the blob store (licence images,
  attachments), local directory or S3 bucket alike; uploads not yet checked
  by their service (`tmp/`) are left out;
- `manifest.json`, written last: what the backup holds, with the size and
  SHA-256 of every file. A directory without it is an unfinished backup and
  is never restored.

The databases are dumped before the blobs are copied: every row of the dump
that names a blob was committed after its blob was stored, so its blob is in
the backup too. Each service's dump is consistent in itself; events between
services that were in flight at that moment are redelivered or replayed by
the outbox after a restore.

`restore` first checks every checksum of the manifest and refuses a backup
that does not match, then replaces each service's schema (or database) with
its dump and puts every blob back. Stop the services before restoring and run
the setup step afterwards (it applies newer migrations, declares the queues).

    python -m services.common.backup create
    python -m services.common.backup restore [latest | <backup directory>] [--yes]
    python -m services.common.backup verify  [latest | <backup directory>]
"""
import argparse
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from services.common import known_warnings

known_warnings.quiet()  # before the libraries that warn on import

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from services.common import blobs, clock
from services.common import config as cfg
from services.common import contracts
from services.common.db import normalise_url, uses_shared_database

log = logging.getLogger("backup")

FORMAT = 1
MANIFEST = "manifest.json"
KEEP = 14  # complete backups kept in BACKUP_DIR; older ones are removed
SKIPPED_BLOB_PREFIX = "tmp/"
WORKERS = 8  # blobs copied at once (the S3 backend waits on the network for each)


class BackupError(RuntimeError):
    """A backup that cannot be made or must not be restored."""


# --- settings -------------------------------------------------------------------

def backup_dir(config=None):
    return Path(cfg.get(contracts.ENV_BACKUP_DIR, config, default=str(cfg.var_dir(config) / "backups")))


def keep(config=None):
    value = int(cfg.get(contracts.ENV_BACKUP_KEEP, config, default=str(KEEP)))
    if value < 1:
        raise ValueError(f"{contracts.ENV_BACKUP_KEEP} must be at least 1, not {value}")
    return value


def pg_tool(name, config=None):
    """pg_dump / pg_restore: from PG_BIN_DIR when set (a client as new as the
    server), else from PATH."""
    directory = cfg.get(contracts.ENV_PG_BIN_DIR, config)
    found = str(Path(directory) / name) if directory else shutil.which(name)
    if not found or not Path(found).exists():
        raise BackupError(f"{name} not found: install the PostgreSQL client or set {contracts.ENV_PG_BIN_DIR}")
    return found


# --- where each service keeps its data -----------------------------------------

def database_target(service, config=None):
    """{service, engine: postgresql|sqlite, url, schema (shared database) or None}."""
    url = normalise_url(cfg.database_url(service, config))
    engine = url.get_backend_name()
    if engine == "sqlite":
        return {"service": service, "engine": "sqlite", "path": url.database, "schema": None}
    if engine != "postgresql":
        raise BackupError(f"{service}: cannot back up a {engine} database")
    schema = service if uses_shared_database(service, config) else None
    return {"service": service, "engine": "postgresql", "url": url, "schema": schema}


def _libpq(url):
    """A libpq connection string without the password, and the environment
    that carries it (never on a command line other users can read)."""
    plain = make_url(url).set(drivername="postgresql", password=None)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return plain.render_as_string(hide_password=False), env


def _run(command, env):
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")
    return done


# --- files and checksums ----------------------------------------------------------

def file_entry(path, root):
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return {"file": Path(path).relative_to(root).as_posix(), "size": size, "sha256": digest.hexdigest()}


# --- create ---------------------------------------------------------------------------

def dump_database(target, work, config=None):
    service = target["service"]
    (work / "databases").mkdir(parents=True, exist_ok=True)
    if target["engine"] == "sqlite":
        dest = work / "databases" / f"{service}.sqlite3"
        source = sqlite3.connect(target["path"])
        try:
            copy = sqlite3.connect(dest)
            try:
                source.backup(copy)  # a consistent copy even while the service writes
            finally:
                copy.close()
        finally:
            source.close()
    else:
        dest = work / "databases" / f"{service}.dump"
        dsn, env = _libpq(target["url"])
        command = [pg_tool("pg_dump", config), "--format=custom", "--no-owner", "--no-privileges",
                   f"--file={dest}", f"--dbname={dsn}"]
        if target["schema"]:
            command.append(f"--schema={target['schema']}")
        _run(command, env)
    entry = file_entry(dest, work)
    entry.update(service=service, engine=target["engine"], schema=target["schema"])
    return entry


def copy_blobs(store, work, workers=WORKERS):
    root = work / "blobs"

    def copy(key):
        try:
            data = store.get(key)
        except blobs.BlobNotFound:  # deleted since it was listed
            return None
        dest = root / blobs.check_key(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        entry = file_entry(dest, work)
        entry["key"] = key
        return entry

    keys = [k for k in store.keys() if not k.startswith(SKIPPED_BLOB_PREFIX)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [entry for entry in pool.map(copy, keys) if entry is not None]


def create(config=None, services=contracts.SERVICES, store=None):
    """Make a backup; returns its directory."""
    started = time.monotonic()
    root = backup_dir(config)
    root.mkdir(parents=True, exist_ok=True)
    stamp = clock.utcnow()
    name = stamp.strftime("%Y%m%dT%H%M%S%fZ")
    work = root / f"{name}.partial"
    work.mkdir()
    try:
        databases = [dump_database(database_target(s, config), work, config) for s in services]
        store = store or blobs.blob_store(config)
        objects = copy_blobs(store, work)
        manifest = {
            "format": FORMAT,
            "created_at": stamp.isoformat(),
            "databases": databases,
            "blobs": {"backend": cfg.blob_backend(config), "objects": objects},
        }
        tmp = work / (MANIFEST + ".part")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, work / MANIFEST)
        final = root / name
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    prune(root, keep(config))
    log.info("backup %s: %d databases, %d blobs in %.1fs", final, len(databases), len(objects),
             time.monotonic() - started)
    return final


def complete_backups(root):
    """The finished backups under `root`, oldest first."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / MANIFEST).is_file())


def prune(root, keep_count):
    """Remove the oldest complete backups beyond `keep_count`; returns them."""
    old = complete_backups(root)[:-keep_count]
    for path in old:
        shutil.rmtree(path)
    return old


def resolve(which, config=None):
    """A backup directory: `latest` (or empty) means the newest complete one."""
    if which in (None, "", "latest"):
        found = complete_backups(backup_dir(config))
        if not found:
            raise BackupError(f"no complete backup in {backup_dir(config)}")
        return found[-1]
    path = Path(which)
    if not (path / MANIFEST).is_file():
        raise BackupError(f"{path} is not a complete backup (no {MANIFEST})")
    return path


# --- verify and restore -----------------------------------------------------------------

def read_manifest(path):
    manifest = json.loads((Path(path) / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def verify(path):
    """Problems of a backup (missing files, wrong sizes or checksums); empty when sound."""
    path = Path(path)
    manifest = read_manifest(path)
    problems = []
    for entry in manifest["databases"] + manifest["blobs"]["objects"]:
        file = path / entry["file"]
        if not file.is_file():
            problems.append(f"{entry['file']}: missing")
            continue
        found = file_entry(file, path)
        if (found["size"], found["sha256"]) != (entry["size"], entry["sha256"]):
            problems.append(f"{entry['file']}: checksum does not match")
    return problems


def restore_database(entry, path, config=None):
    service = entry["service"]
    target = database_target(service, config)
    if target["engine"] != entry["engine"]:
        raise BackupError(f"{service}: the backup holds {entry['engine']}, the target is {target['engine']}")
    file = Path(path) / entry["file"]
    if target["engine"] == "sqlite":
        Path(target["path"]).parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(file)
        try:
            dest = sqlite3.connect(target["path"])
            try:
                source.backup(dest)
            finally:
                dest.close()
        finally:
            source.close()
        return
    if bool(target["schema"]) != bool(entry["schema"]):
        raise BackupError(f"{service}: the backup and the target differ in layout (schema or database of its own)")
    dsn, env = _libpq(target["url"])
    command = [pg_tool("pg_restore", config), "--no-owner", "--no-privileges", "--exit-on-error",
               "--single-transaction", f"--dbname={dsn}"]
    if target["schema"]:
        engine = create_engine(target["url"])
        try:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{target["schema"]}" CASCADE'))
        finally:
            engine.dispose()
    else:
        command += ["--clean", "--if-exists"]
    _run(command + [str(file)], env)


def restore_blobs(manifest, path, store, workers=WORKERS):
    if hasattr(store, "ensure"):
        store.ensure()

    def put(entry):
        store.put(entry["key"], (Path(path) / entry["file"]).read_bytes())

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(put, manifest["blobs"]["objects"]):
            pass
    return len(manifest["blobs"]["objects"])


def restore(path, config=None, store=None):
    """Restore the backup at `path` over the configured databases and blob
    store; returns {"databases": n, "blobs": n, "seconds": s}."""
    started = time.monotonic()
    path = Path(path)
    manifest = read_manifest(path)
    problems = verify(path)
    if problems:
        raise BackupError("the backup is damaged, nothing was restored: " + "; ".join(problems[:10]))
    for entry in manifest["databases"]:
        restore_database(entry, path, config)
        log.info("restored %s", entry["service"])
    count = restore_blobs(manifest, path, store or blobs.blob_store(config))
    seconds = time.monotonic() - started
    log.info("restored %d databases and %d blobs from %s in %.1fs", len(manifest["databases"]), count, path, seconds)
    return {"databases": len(manifest["databases"]), "blobs": count, "seconds": seconds}


# --- command line -------------------------------------------------------------------------

def main(argv=None, config=None):
    parser = argparse.ArgumentParser(description="Back up or restore every service's database and the blob store.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("create", help="make a backup in BACKUP_DIR")
    for name in ("restore", "verify"):
        p = sub.add_parser(name)
        p.add_argument("backup", nargs="?", default="latest", help="a backup directory, or latest")
        if name == "restore":
            p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if args.command == "create":
            print(create(config))
            return 0
        path = resolve(args.backup, config)
        if args.command == "verify":
            problems = verify(path)
            for problem in problems:
                print(problem)
            print(f"{path}: " + ("damaged" if problems else "sound"))
            return 1 if problems else 0
        if not args.yes:
            if not sys.stdin.isatty():
                parser.error("restore replaces every database and blob: confirm with --yes")
            answer = input(f"Replace every database and blob with {path}? Type yes: ")
            if answer.strip() != "yes":
                print("nothing restored")
                return 1
        done = restore(path, config)
        print(f"restored {done['databases']} databases and {done['blobs']} blobs from {path} "
              f"in {done['seconds']:.1f}s; run the setup step before starting the services")
        return 0
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
