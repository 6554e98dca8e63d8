"""Throw-away PostgreSQL databases."""
import os
import uuid

from sqlalchemy import create_engine, text

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+pg8000://postgres@127.0.0.1:5432/postgres")


def _admin():
    return create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")


def create_database(prefix="sme_test"):
    """A new empty database; its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = _admin()
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_database(url):
    """Drop the database of `url`, closing whatever still holds it open."""
    name = url.rsplit("/", 1)[1]
    engine = _admin()
    try:
        with engine.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        engine.dispose()
