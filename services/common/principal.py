"""Who asks: the principal the gateway signs into every RPC's context data.

The token is `<base64url(json)>.<base64url(hmac-sha256)>`; the JSON holds the
principal and an expiry a minute ahead. Services verify it with the shared
PRINCIPAL_SECRET and decide access from it; RPC arguments never carry
identity.
"""
import base64
import hashlib
import hmac
import json
import time
from dataclasses import asdict, dataclass
from typing import Optional

from services.common import config as cfg
from services.common import contracts as c
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
        return self.kind == c.ENTERPRISE

    @property
    def is_reviewer(self):
        return self.kind == c.REVIEWER

    @property
    def is_admin(self):
        return self.kind == c.ADMIN

    @property
    def is_system(self):
        return self.kind == c.SYSTEM

    def require(self, *kinds):
        if self.kind not in kinds:
            raise Forbidden("无权执行此操作")
        return self


def system(service):
    """The principal of a service acting on its own (event handlers)."""
    return Principal(kind=c.SYSTEM, id=service)


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def secret(config=None):
    return cfg.get(c.ENV_PRINCIPAL_SECRET, config).encode()


def sign(principal, config=None, ttl=TTL_SECONDS, now=None):
    body = asdict(principal)
    body["exp"] = int((now or time.time()) + ttl)
    raw = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(secret(config), raw.encode(), hashlib.sha256).digest()
    return raw + "." + _b64(mac)


def verify(token, config=None, now=None):
    """The principal of a token; Unauthenticated when missing, forged or
    expired."""
    if not token or not isinstance(token, str) or "." not in token:
        raise Unauthenticated("未登录或登录已失效")
    raw, _, mac = token.partition(".")
    expected = hmac.new(secret(config), raw.encode(), hashlib.sha256).digest()
    try:
        given = _unb64(mac)
    except (ValueError, TypeError):
        raise Unauthenticated("身份凭证无效")
    if not hmac.compare_digest(expected, given):
        raise Unauthenticated("身份凭证无效")
    body = json.loads(_unb64(raw))
    if body.pop("exp", 0) < (now or time.time()):
        raise Unauthenticated("身份凭证已过期")
    if body.get("kind") not in c.PRINCIPAL_KINDS:
        raise Unauthenticated("身份凭证无效")
    return Principal(**body)
