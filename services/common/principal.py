"""Who asks: the principal the gateway signs into every RPC's context data.

The token is `<base64url(json)>.<base64url(hmac-sha256)>`; the JSON holds the
principal and an expiry a minute ahead. Services verify it and decide access
from it; RPC arguments never carry identity.

Two keys, so that the internet-facing gateway cannot mint the principal that
passes every check:
- user principals (enterprise, reviewer, admin) are signed with
  PRINCIPAL_SECRET, which the gateway and the services hold;
- `system` principals (a service acting on its own) are signed with
  SYSTEM_PRINCIPAL_SECRET, which only the services hold.
A token verifies with the key of its kind only: a `system` token signed with
PRINCIPAL_SECRET is refused, and a user token signed with the system key too.

Rotation without downtime: `<NAME>_PREVIOUS` is a second key accepted (never
used to sign) — docs/principals.md gives the three rolling steps.
"""
import base64
import hashlib
import hmac
import json
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Optional

from services.common import config as cfg
from services.common import contracts
from services.common.errors import Forbidden, Unauthenticated

TTL_SECONDS = 60


@dataclass(frozen=True)
class Principal:
    kind: str
    id: str
    region_code: Optional[str] = None
    level: Optional[str] = None

    @property
    def is_enterprise(self):
        return self.kind == contracts.ENTERPRISE

    @property
    def is_reviewer(self):
        return self.kind == contracts.REVIEWER

    @property
    def is_admin(self):
        return self.kind == contracts.ADMIN

    @property
    def is_system(self):
        return self.kind == contracts.SYSTEM

    def require(self, *kinds):
        if self.kind not in kinds:
            raise Forbidden("无权执行此操作")
        return self


def system(service):
    """The principal of a service acting on its own (event handlers)."""
    return Principal(kind=contracts.SYSTEM, id=service)


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


USER_KEYS = (contracts.ENV_PRINCIPAL_SECRET, contracts.ENV_PRINCIPAL_SECRET_PREVIOUS)
SYSTEM_KEYS = (contracts.ENV_SYSTEM_PRINCIPAL_SECRET, contracts.ENV_SYSTEM_PRINCIPAL_SECRET_PREVIOUS)


def secret(config=None):
    """The key user principals are signed with."""
    return cfg.get(contracts.ENV_PRINCIPAL_SECRET, config).encode()


def _keys(names, config):
    """The signing key of a kind, then its previous one (accepted only)."""
    keys = []
    for name in names:
        value = cfg.get(name, config)
        if value and value.encode() not in keys:
            keys.append(value.encode())
    return keys


def sign(principal, config=None, ttl=TTL_SECONDS, now=None):
    body = asdict(principal)
    body["id"] = str(body["id"])  # ids travel (and come back) as strings
    body["exp"] = int((now or time.time()) + ttl)
    raw = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    keys = _keys(SYSTEM_KEYS if principal.kind == contracts.SYSTEM else USER_KEYS, config)
    if not keys:
        raise Unauthenticated("无法签发身份凭证")
    mac = hmac.new(keys[0], raw.encode(), hashlib.sha256).digest()
    return raw + "." + _b64(mac)


def _signed_by(raw, given, keys):
    return any(hmac.compare_digest(hmac.new(key, raw.encode(), hashlib.sha256).digest(), given) for key in keys)


MAX_TTL_SECONDS = 300  # a token claiming to live longer than this is refused
MAX_TOKEN_LENGTH = 2048
VERIFIED_TOKENS = 1024  # tokens whose signature a process remembers having checked
FIELDS = ("kind", "id", "region_code", "level")


def verify(token, config=None, now=None, leeway=0):
    """The principal of a token; Unauthenticated when missing, malformed,
    forged or expired (`leeway` seconds past its expiry still pass)."""
    if not token or not isinstance(token, str) or "." not in token:
        raise Unauthenticated("未登录或登录已失效")
    if len(token) > MAX_TOKEN_LENGTH:
        raise Unauthenticated("身份凭证无效")
    fields, exp = _signed_fields(token, tuple(_keys(USER_KEYS, config)), tuple(_keys(SYSTEM_KEYS, config)))
    current = now or time.time()
    if exp + leeway < current:
        raise Unauthenticated("身份凭证已过期")
    if exp > current + MAX_TTL_SECONDS:
        raise Unauthenticated("身份凭证无效")
    return Principal(**dict(fields))


@lru_cache(maxsize=VERIFIED_TOKENS)
def _signed_fields(token, user_keys, system_keys):
    """What a token signed with these keys says, checked but for the time:
    (the principal's fields, its expiry). A token comes back to a service
    once more in the same call (the entrypoint checks it, then the worker's
    `Caller`): its signature is checked once per token and set of keys."""
    raw, _, mac = token.partition(".")
    try:
        given = _unb64(mac)
    except (ValueError, TypeError):
        raise Unauthenticated("身份凭证无效") from None
    if _signed_by(raw, given, user_keys):
        system_key = False
    elif _signed_by(raw, given, system_keys):
        system_key = True
    else:
        raise Unauthenticated("身份凭证无效")
    # Signed by us from here on; still checked as if it were not.
    try:
        body = json.loads(_unb64(raw))
    except (ValueError, TypeError):
        raise Unauthenticated("身份凭证无效") from None
    if not isinstance(body, dict) or set(body) - set(FIELDS) - {"exp"}:
        raise Unauthenticated("身份凭证无效")
    exp = body.pop("exp", None)
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise Unauthenticated("身份凭证无效")
    if body.get("kind") not in contracts.PRINCIPAL_KINDS:
        raise Unauthenticated("身份凭证无效")
    if (body["kind"] == contracts.SYSTEM) != system_key:  # each kind with its own key only
        raise Unauthenticated("身份凭证无效")
    if not isinstance(body.get("id"), str) or not body["id"]:
        raise Unauthenticated("身份凭证无效")
    for optional in ("region_code", "level"):
        if body.get(optional) is not None and not isinstance(body[optional], str):
            raise Unauthenticated("身份凭证无效")
    return tuple(body.items()), exp
