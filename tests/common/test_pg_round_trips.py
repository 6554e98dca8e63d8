"""Statements reach PostgreSQL in one exchange each, and what a connection
runs again is kept prepared on it (services/common/pg_round_trips.py):
the answers, the errors and the transaction are what pg8000 gave before."""
import pg8000.core
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from services.common import pg_round_trips
from services.common.db import make_engine

ROW = text("SELECT CAST(:a AS int) + 1 AS next, CAST(:b AS text) AS name, NULL AS nothing")


def test_every_service_engine_has_it(db_url):
    engine = make_engine("accounts", {"DATABASE_URL": db_url})
    engine.dispose()
    assert pg8000.core.CoreConnection.execute_unnamed is pg_round_trips.execute_unnamed


@pytest.fixture
def conn(pg_database):
    pg_round_trips.install()
    engine = create_engine(pg_database)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def prepared(conn):
    return conn.execute(text("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")).scalars().all()


def test_rows_are_the_same_before_and_after_the_statement_is_prepared(conn):
    answers = [conn.execute(ROW, {"a": i, "b": "玄武区"}).one() for i in range(4)]
    assert [tuple(row) for row in answers] == [(i + 1, "玄武区", None) for i in range(4)]
    assert [s for s in prepared(conn) if "CAST" in s] == [ROW.text.replace(":a", "$1").replace(":b", "$2")]


def test_each_statement_is_one_exchange_with_the_server(conn, monkeypatch):
    flushes = []
    original = pg8000.core._flush
    monkeypatch.setattr(pg8000.core, "_flush", lambda sock: (flushes.append(1), original(sock)))
    for i in range(3):  # unnamed (with the transaction's BEGIN), prepared, then run by name
        conn.execute(ROW, {"a": i, "b": "x"}).one()
    conn.execute(text("SELECT 1")).scalar()  # a statement without parameters
    conn.commit()
    assert len(flushes) == 5
    assert conn.execute(text("SELECT 1")).scalar() == 1  # BEGIN and the statement together
    assert len(flushes) == 6


def test_the_begin_opens_the_transaction_the_statements_run_in(conn):
    conn.execute(text("CREATE TEMP TABLE probe_begin (a int)"))
    conn.execute(text("INSERT INTO probe_begin VALUES (:a)"), {"a": 1})
    conn.rollback()
    with pytest.raises(DBAPIError, match="probe_begin"):
        conn.execute(text("SELECT * FROM probe_begin"))
    conn.rollback()


def test_an_error_is_raised_and_the_connection_goes_on(conn):
    divide = text("SELECT 10 / CAST(:d AS int)")
    assert conn.execute(divide, {"d": 2}).scalar() == 5
    assert conn.execute(divide, {"d": 5}).scalar() == 2  # now prepared
    with pytest.raises(DBAPIError, match="division by zero"):
        conn.execute(divide, {"d": 0})
    with pytest.raises(DBAPIError, match="current transaction is aborted"):
        conn.execute(divide, {"d": 1})
    conn.rollback()
    assert conn.execute(divide, {"d": 1}).scalar() == 10
    with pytest.raises(DBAPIError, match="does_not_exist"):
        conn.execute(text("SELECT * FROM does_not_exist WHERE a = :a"), {"a": 1})
    conn.rollback()


def test_writes_count_their_rows_and_roll_back(conn):
    conn.execute(text("CREATE TEMP TABLE probe_rows (a int)"))
    for i in range(3):
        assert conn.execute(text("INSERT INTO probe_rows VALUES (:a)"), {"a": i}).rowcount == 1
    assert conn.execute(text("UPDATE probe_rows SET a = a + 1 WHERE a >= :a"), {"a": 0}).rowcount == 3
    conn.rollback()
    with pytest.raises(DBAPIError):
        conn.execute(text("SELECT count(*) FROM probe_rows WHERE a > :a"), {"a": 0})
    conn.rollback()


def test_a_connection_keeps_a_bounded_number_of_statements(conn, monkeypatch):
    monkeypatch.setattr(pg_round_trips, "PREPARED_PER_CONNECTION", 3)
    for n in range(6):
        statement = text(f"SELECT CAST(:a AS int) + {n}")
        for _ in range(2):
            assert conn.execute(statement, {"a": 1}).scalar() == 1 + n
    conn.execute(text("SELECT CAST(:a AS int)"), {"a": 1})  # closes what was dropped
    kept = [s for s in prepared(conn) if "CAST" in s]
    assert sorted(kept) == [f"SELECT CAST($1 AS int) + {n}" for n in (3, 4, 5)]


def test_a_statement_prepared_before_its_table_changed_runs_again_after_one_failure(conn):
    conn.execute(text("CREATE TABLE probe_schema (a int)"))
    conn.execute(text("INSERT INTO probe_schema VALUES (1)"))
    conn.commit()
    try:
        every = text("SELECT * FROM probe_schema WHERE a = :a")
        for _ in range(2):
            assert conn.execute(every, {"a": 1}).all() == [(1,)]
        conn.commit()
        conn.execute(text("ALTER TABLE probe_schema ADD COLUMN b text DEFAULT 'x'"))  # a migration
        conn.commit()
        with pytest.raises(DBAPIError, match="cached plan must not change result type"):
            conn.execute(every, {"a": 1})
        conn.rollback()
        assert conn.execute(every, {"a": 1}).all() == [(1, "x")]
    finally:
        conn.rollback()
        conn.execute(text("DROP TABLE probe_schema"))
        conn.commit()
