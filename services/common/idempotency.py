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

Keys are scoped by principal; anonymous callers (public entrypoints) share
one scope, so a key must be unguessable (e.g. a UUID4 made per form).
The service must name its Database dependency `db` and its Caller `caller`.
Results must be JSON (they are RPC results anyway).
"""
import inspect
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


def idempotent(fn):
    signature = inspect.signature(fn)

    @wraps(fn)
    def call(self, *args, idempotency_key=None, **kwargs):
        try:
            signature.bind(self, *args, **kwargs)
        except TypeError as exc:
            raise IncorrectSignature(str(exc)) from None
        if idempotency_key is None:
            return fn(self, *args, **kwargs)
        key = check_key(idempotency_key)
        session = self.db.session
        ident = dict(
            principal=principal_key(getattr(self, "caller", None)),
            method=f"{self.name}.{fn.__name__}",
            key=key,
        )
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

    # nameko checks a call's arguments against the signature it sees.
    call.__signature__ = signature.replace(
        parameters=[
            *(p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD),
            inspect.Parameter("idempotency_key", inspect.Parameter.KEYWORD_ONLY, default=None),
            *(p for p in signature.parameters.values() if p.kind is p.VAR_KEYWORD),
        ]
    )
    return call
