"""pg8000's placeholder rewriting, remembered per statement text: the same
statements and values reach PostgreSQL as without it, quoted text and
escaped percent signs included."""
import pg8000.legacy
import pytest
from sqlalchemy import text

from services.common import sql_params
from services.common.db import make_engine

STATEMENTS = [
    "SELECT a.id FROM a WHERE a.id = %s::VARCHAR AND a.kind IN (%s, %s)",
    "SELECT '%%s stays text', 'it''s' WHERE x = %s",
    "SELECT 100 %% 7, %s -- a comment with %s\n",
    'SELECT "odd %s name" FROM t WHERE $$ %s $$ = %s',
]


@pytest.mark.parametrize("statement", STATEMENTS)
def test_the_rewritten_statement_is_pg8000s_own(statement):
    args = ("x", "y", "z")
    assert sql_params.convert_paramstyle("format", statement, args) == sql_params._original("format", statement, args)
    # A second time it comes from memory, the same.
    hits = sql_params._rewritten.cache_info().hits
    assert sql_params.convert_paramstyle("format", statement, args) == sql_params._original("format", statement, args)
    assert sql_params._rewritten.cache_info().hits == hits + 1


def test_named_parameters_are_converted_each_time_as_before():
    args = {"a": 1, "b": 2}
    statement = "SELECT :a, :b, :a"
    assert sql_params.convert_paramstyle("named", statement, args) == sql_params._original("named", statement, args)


def test_the_services_engines_use_it_and_answer_the_same(db_url):
    engine = make_engine("accounts", {"DATABASE_URL": db_url})
    assert pg8000.legacy.convert_paramstyle is sql_params.convert_paramstyle
    try:
        with engine.connect() as conn:
            for _ in range(3):
                row = conn.execute(text("SELECT :a || '%', mod(7, 3), 'it''s'"), {"a": "x"}).one()
                assert tuple(row) == ("x%", 1, "it's")
    finally:
        engine.dispose()
