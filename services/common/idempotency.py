"""Idempotency keys for mutating RPCs.

    @rpc
    @idempotent
    def submit(self, declaration_id):
        ...

The method then also accepts `idempotency_key=None`. Without a key it runs as
before. With one, the key is reserved (principal, "<service>.<method>", key)
in the worker's transaction before the method runs and the result is stored
with it, so both are committed together with the method's changes:
- a repeat with the same key by the same principal returns the stored result
  without acting again;
- a concurrent repeat waits on the key's row: it returns the first call's
  result once that commits, or acts itself if the first one failed (a failed
  call stores nothing: its transaction rolled back).
A browser retrying after a 503 therefore submits once.

A method that writes everything in one statement of its own can take the
key over instead (`@idempotent(recorded_by_call=True)`): it receives
`claim` (a `Claim`, or None without a key), reads the stored result with
`Claim.STORED` in a statement it runs anyway after taking its own lock, and
records the key with its result by adding `Claim.RECORD` to its write. The
lock it takes makes a concurrent repeat wait, then find the stored result.

Keys are scoped by principal; anonymous callers (public entrypoints) share
one scope, so a key must be unguessable (e.g. a UUID4 made per form).
The service must name its Database dependency `db` and its Caller `caller`.
Results must be JSON (they are RPC results anyway).
"""
import inspect
import json
from functools import wraps

from nameko.exceptions import IncorrectSignature
from sqlalchemy import select, update

from services.common import clock
from services.common.errors import ValidationFailed
from services.common.tables import idempotency_keys, insert_ignore

MAX_KEY_LENGTH = 200


def principal_key(principal):
    if principal is None:
        return "anonymous"
    return f"{principal.kind}:{principal.id}"


def check_key(key):
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            "请求标识无效",
            {"idempotency_key": f"请求标识须为 1 至 {MAX_KEY_LENGTH} 个字符的字符串"},
        )
    return key


class Claim:
    """An idempotency key the method records itself, in its own statements
    (plain SQL with named parameters: `params()` fills them)."""

    # the stored result, or NULL: a scalar subquery for the method's own read
    STORED = (
        "(SELECT result FROM idempotency_keys WHERE principal = :idem_principal"
        " AND method = :idem_method AND key = :idem_key)"
    )
    # the key and its result, for a WITH clause of the method's own write
    RECORD = (
        "INSERT INTO idempotency_keys (principal, method, key, result, created_at)"
        " VALUES (:idem_principal, :idem_method, :idem_key, CAST(:idem_result AS json), :idem_at)"
        " ON CONFLICT DO NOTHING"
    )

    def __init__(self, principal, method, key):
        self.principal, self.method, self.key = principal, method, key

    def params(self, result=None, at=None):
        return {"idem_principal": self.principal, "idem_method": self.method, "idem_key": self.key,
                "idem_result": json.dumps(result, ensure_ascii=False), "idem_at": at}


def idempotent(fn=None, *, recorded_by_call=False):
    if fn is None:
        return lambda f: _idempotent(f, recorded_by_call)
    return _idempotent(fn, False)


def _visible_signature(signature, recorded_by_call):
    """What nameko checks a call against: `idempotency_key` added, `claim`
    (filled by the decorator) left out."""
    shown = [p for p in signature.parameters.values() if not (recorded_by_call and p.name == "claim")]
    return signature.replace(
        parameters=[
            *(p for p in shown if p.kind is not p.VAR_KEYWORD),
            inspect.Parameter("idempotency_key", inspect.Parameter.KEYWORD_ONLY, default=None),
            *(p for p in shown if p.kind is p.VAR_KEYWORD),
        ]
    )


def _idempotent(fn, recorded_by_call):
    signature = _visible_signature(inspect.signature(fn), recorded_by_call)

    @wraps(fn)
    def call(self, *args, idempotency_key=None, **kwargs):
        try:
            signature.bind(self, *args, **kwargs)
        except TypeError as exc:
            raise IncorrectSignature(str(exc)) from None
        if idempotency_key is not None:
            check_key(idempotency_key)
        ident = dict(
            principal=principal_key(getattr(self, "caller", None)),
            method=f"{self.name}.{fn.__name__}",
            key=idempotency_key,
        )
        if recorded_by_call:
            claim = None if idempotency_key is None else Claim(**ident)
            return fn(self, *args, claim=claim, **kwargs)
        if idempotency_key is None:
            return fn(self, *args, **kwargs)
        session = self.db.session
        if not insert_ignore(session, idempotency_keys, dict(ident, result=None, created_at=clock.utcnow())):
            return session.execute(
                select(idempotency_keys.c.result).where(
                    *(getattr(idempotency_keys.c, k) == v for k, v in ident.items())
                )
            ).scalar()
        result = fn(self, *args, **kwargs)
        session.execute(
            update(idempotency_keys)
            .where(*(getattr(idempotency_keys.c, k) == v for k, v in ident.items()))
            .values(result=result)
        )
        return result

    call.__signature__ = signature  # nameko checks a call's arguments against it
    return call
