"""One round trip to PostgreSQL per statement, not three, and a statement
parsed once per connection.

pg8000 sends a statement in three exchanges, waiting for the server's
answer after each: Parse, then Describe, then Bind and Execute. Every wait
is a write, a wake-up of the server's process and a read, on both sides, for
nothing the client needs in between: the parameters are encoded from their
Python types, not from the server's description. `install()` makes pg8000
write Parse, Describe, Bind, Execute and Sync together and read the answers
once, as libpq does.

A statement with parameters that a connection runs a second time is also
kept on that connection as a named prepared statement: from then on only
Bind and Execute are sent, and the server neither parses nor analyses it
again. Each connection keeps at most PREPARED_PER_CONNECTION of them and
closes the one used longest ago. (A connection pooler in transaction mode
would break named statements; this project connects to PostgreSQL itself.)

What the caller sees does not change: the rows, the row count and an error
(raised once the server is ready again, the transaction failed as before).
A prepared statement that fails is forgotten and parsed again the next time:
one prepared before a migration changed its table's columns fails once, as
it would have in the middle of any transaction, then runs as the new schema
says.
A COPY (a `stream`) still goes the original way.

The BEGIN pg8000 sends before the first statement of a transaction is
written but not sent on its own: it leaves with that statement, and its
answer is read first, before the statement's.
"""
from collections import OrderedDict

import pg8000.core as core
from pg8000.converters import make_params
from pg8000.exceptions import InterfaceError

_original = core.CoreConnection.execute_unnamed
_original_simple = core.CoreConnection.execute_simple
_original_handle = core.CoreConnection.handle_messages
BEGIN = "begin transaction"  # what pg8000's cursors send to open a transaction
UNNAMED = core.NULL_BYTE  # the unnamed statement, and the unnamed portal
PREPARE_ON_RUN = 2  # a statement is prepared the second time a connection runs it
PREPARED_PER_CONNECTION = 128  # and on the server, a plan each
SEEN_PER_CONNECTION = 512  # statements counted before they are prepared


class _Statements:
    """One connection's prepared statements (by text and parameter types)."""

    def __init__(self):
        self.prepared = OrderedDict()  # key -> (name, columns, input_funcs)
        self.seen = {}
        self.to_close = []
        self.made = 0

    def name_for(self, key):
        """A new statement name when `key` is run often enough, else the unnamed one."""
        runs = self.seen.get(key, 0) + 1
        if runs < PREPARE_ON_RUN:
            if len(self.seen) >= SEEN_PER_CONNECTION:
                self.seen.clear()
            self.seen[key] = runs
            return UNNAMED
        self.seen.pop(key, None)
        self.made += 1
        return f"sme_{self.made}".encode("ascii") + core.NULL_BYTE

    def keep(self, key, name, context):
        self.prepared[key] = (name, context.columns, context.input_funcs)
        while len(self.prepared) > PREPARED_PER_CONNECTION:
            _key, (old, _columns, _funcs) = self.prepared.popitem(last=False)
            self.to_close.append(old)


def _statements(connection):
    kept = getattr(connection, "_sme_statements", None)
    if kept is None:
        kept = connection._sme_statements = _Statements()
    return kept


def _parse(name, statement, oids, encoding):
    message = bytearray(name)
    message.extend(statement.encode(encoding) + core.NULL_BYTE)
    message.extend(core.H_pack(len(oids)))
    for oid in oids:
        message.extend(core.i_pack(0 if oid == -1 else oid))
    return message


def _bind(name, params, encoding):
    # the unnamed portal, the statement, no parameter format codes (all
    # text), the values, no result format codes (all text)
    message = bytearray(UNNAMED + name + core.H_pack(0) + core.H_pack(len(params)))
    for value in params:
        if value is None:
            message.extend(core.i_pack(-1))
        else:
            data = value.encode(encoding)
            message.extend(core.i_pack(len(data)))
            message.extend(data)
    message.extend(core.H_pack(0))
    return message


def execute_unnamed(self, statement, vals=(), oids=(), stream=None):
    """pg8000's CoreConnection.execute_unnamed in one exchange."""
    if stream is not None:
        return _original(self, statement, vals=vals, oids=oids, stream=stream)
    if self._sock is None:
        raise InterfaceError("connection is closed")
    # A value pg8000 cannot send fails here, before anything is written.
    params = make_params(self.py_types, vals)
    encoding = self._client_encoding
    kept = _statements(self)
    while kept.to_close:
        self._send_message(core.CLOSE, core.STATEMENT + kept.to_close.pop())
    key = (statement, tuple(oids)) if vals else None
    entry = kept.prepared.get(key) if key else None
    if entry is not None:
        kept.prepared.move_to_end(key)
        name, columns, input_funcs = entry
        context = core.Context(statement, columns=columns, input_funcs=input_funcs)
    else:
        name = kept.name_for(key) if key else UNNAMED
        self._send_message(core.PARSE, _parse(name, statement, oids, encoding))
        self._send_message(core.DESCRIBE, core.STATEMENT + name)
        context = core.Context(statement)
    self._send_message(core.BIND, _bind(name, params, encoding))
    core._write(self._sock, core.EXECUTE_MSG)
    core._write(self._sock, core.SYNC_MSG)
    core._flush(self._sock)
    try:
        self.handle_messages(context)
    except Exception:
        if entry is not None:
            # Prepared before a change of the schema, say, it may stay refused
            # ("cached plan must not change result type"): it is parsed anew next time.
            del kept.prepared[key]
        if name != UNNAMED:
            kept.to_close.append(name)  # parsed or not: closing an unknown name is no error
        raise
    if entry is None and name != UNNAMED:
        kept.keep(key, name, context)
    return context


def execute_simple(self, statement):
    """pg8000's CoreConnection.execute_simple, with the BEGIN held back until
    the next message leaves."""
    if statement != BEGIN or self._sock is None:
        return _original_simple(self, statement)
    if not getattr(self, "_sme_begin_unread", False):
        self.send_QUERY(statement)
        self._sme_begin_unread = True
    return core.Context(statement)


def handle_messages(self, context):
    """pg8000's CoreConnection.handle_messages, reading the answer to a BEGIN
    that left with these messages first."""
    if not getattr(self, "_sme_begin_unread", False):
        return _original_handle(self, context)
    self._sme_begin_unread = False
    try:
        _original_handle(self, core.Context(BEGIN))
    finally:  # the statement's answer is read even if the BEGIN's was an error
        _original_handle(self, context)


def install():
    """Make every pg8000 connection of this process send a statement in one
    exchange and keep what it runs again prepared; idempotent."""
    core.CoreConnection.execute_unnamed = execute_unnamed
    core.CoreConnection.execute_simple = execute_simple
    core.CoreConnection.handle_messages = handle_messages
