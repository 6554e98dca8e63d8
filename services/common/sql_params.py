"""pg8000 rewrites the placeholders of every statement it sends (`%s` to
`$1`, ...) by scanning the SQL text one character at a time in Python: a
few hundred microseconds for each of SQLAlchemy's long ORM statements, on
every execution, although SQLAlchemy sends the same few statement texts
again and again. `install()` remembers the rewritten text of each statement
(the parameters themselves pass through untouched for the positional
styles), so each text is scanned once per process.
"""
import functools

import pg8000.dbapi
import pg8000.legacy

POSITIONAL = ("format", "numeric", "qmark")  # the values are the arguments as given
CACHED_STATEMENTS = 4096

_original = pg8000.dbapi.convert_paramstyle


@functools.lru_cache(maxsize=CACHED_STATEMENTS)
def _rewritten(style, query):
    return _original(style, query, ())[0]


def convert_paramstyle(style, query, args):
    """pg8000's conversion, remembered per (style, statement text)."""
    if style in POSITIONAL and isinstance(query, str):
        return _rewritten(style, query), args
    return _original(style, query, args)


def install():
    """Make pg8000's cursors (SQLAlchemy's pg8000 dialect uses the legacy
    ones) use the remembered conversion; idempotent."""
    pg8000.legacy.convert_paramstyle = convert_paramstyle
    pg8000.dbapi.convert_paramstyle = convert_paramstyle
