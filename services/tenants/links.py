"""Signed intake-link tokens.

A token is `<base64url(json)>.<base64url(hmac)>`; the JSON holds the
declaration id, the link's serial and nonce, and its expiry (the batch's
closing). The HMAC key is derived from PRINCIPAL_SECRET for this purpose only,
so a link token is never a principal and the other way round. The signature
makes a token unguessable and untamperable; the nonce, compared with the one
stored for the declaration, makes revocation immediate.
"""
import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets

from sqlalchemy import select

from services.common import config as cfg
from services.common import clock
from services.common import contracts
from services.common.errors import BadState, NotFound
from services.tenants.models import IntakeLink, IntakeShortLink

MAC_BYTES = 16
INVALID_MESSAGE = "二维码链接无效，请重新扫描基地提供的二维码"
REVOKED_MESSAGE = "此二维码已失效，请向基地索取新的二维码"
EXPIRED_MESSAGE = "本批次申报已截止，入驻企业信息填报已关闭"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{10,400}\.[A-Za-z0-9_-]{10,100}$")


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(config=None, name=contracts.ENV_PRINCIPAL_SECRET):
    master = cfg.get(name, config)
    if not master:
        return None
    return hmac.new(master.encode(), b"tenants/intake-link/v1", hashlib.sha256).digest()


def _keys(config=None):
    """The key links are signed with, then the one derived from the previous
    PRINCIPAL_SECRET while it rotates (links signed before still open)."""
    return [key for key in (_key(config), _key(config, contracts.ENV_PRINCIPAL_SECRET_PREVIOUS)) if key]


def new_nonce():
    return secrets.token_urlsafe(12)


def parse_closing(value):
    """The moment a batch closes, from a datetime, an ISO datetime string, or a
    date (then 23:59:59 Asia/Shanghai of that day). Naive times are Beijing time."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        return clock.day_end(value)
    else:
        text = str(value).strip()
        try:
            if len(text) == 10:
                return clock.day_end(dt.date.fromisoformat(text))
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise BadState(f"批次截止时间格式不正确：{text}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.BEIJING)
    return clock.utc(moment)


def sign(declaration_id, serial, nonce, expires_at, config=None):
    body = {"d": declaration_id, "s": serial, "n": nonce}
    if expires_at is not None:
        body["e"] = int(clock.utc(expires_at).timestamp())
    raw = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(_key(config), raw.encode(), hashlib.sha256).digest()[:MAC_BYTES]
    return raw + "." + _b64(mac)


def read(token, config=None, now=None):
    """The token's claims {declaration_id, serial, nonce, expires_at}.
    NotFound when malformed or tampered, BadState when expired."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise NotFound(INVALID_MESSAGE)
    raw, _, mac = token.partition(".")
    try:
        given = _unb64(mac)
        body = json.loads(_unb64(raw))
    except (ValueError, TypeError):
        raise NotFound(INVALID_MESSAGE)
    if not any(
        hmac.compare_digest(hmac.new(key, raw.encode(), hashlib.sha256).digest()[:MAC_BYTES], given)
        for key in _keys(config)
    ):
        raise NotFound(INVALID_MESSAGE)
    if not isinstance(body, dict) or not isinstance(body.get("d"), str):
        raise NotFound(INVALID_MESSAGE)
    expires_at = None
    if body.get("e") is not None:
        expires_at = dt.datetime.fromtimestamp(int(body["e"]), clock.UTC)
        if (now or clock.utcnow()) >= expires_at:
            raise BadState(EXPIRED_MESSAGE)
    return {
        "declaration_id": body["d"],
        "serial": body.get("s"),
        "nonce": body.get("n"),
        "expires_at": expires_at,
    }


# --- short links: what the QR code encodes ---------------------------------------
#
# A QR code of a whole signed token is large (a high version, fine modules) and
# reads badly from a poster or a screen. The code encodes `/q/<id>` instead: an
# opaque id of 128 random bits, looked up here. The id stands for one version of
# the link (its nonce): revoking or renewing the link ends it at once, and it
# expires with the link. The signed `/intake/<token>` links keep working as before.

SHORT_PREFIX = "/q/"
SHORT_BYTES = 16  # 128 bits
_SHORT = re.compile(r"^[A-Za-z0-9_-]{22}$")


def short_path(short_id):
    return SHORT_PREFIX + short_id


def short_id_for(session, link, now=None):
    """The short id of the link's current version (made on first use)."""
    if not link.nonce:
        raise BadState(REVOKED_MESSAGE)
    existing = session.scalars(
        select(IntakeShortLink.id).where(
            IntakeShortLink.declaration_id == link.declaration_id, IntakeShortLink.nonce == link.nonce
        )
    ).first()
    if existing:
        return existing
    short_id = _b64(secrets.token_bytes(SHORT_BYTES))
    session.add(IntakeShortLink(id=short_id, declaration_id=link.declaration_id, nonce=link.nonce,
                                created_at=now or clock.utcnow()))
    session.flush()
    return short_id


def lookup_short(session, short_id, config=None, now=None):
    """The signed token a short id stands for. NotFound for an unknown id,
    BadState when its link was revoked, renewed or has expired."""
    if not isinstance(short_id, str) or not _SHORT.match(short_id):
        raise NotFound(INVALID_MESSAGE)
    short = session.get(IntakeShortLink, short_id)
    if short is None:
        raise NotFound(INVALID_MESSAGE)
    link = session.get(IntakeLink, short.declaration_id)
    if link is None or not link.nonce or link.nonce != short.nonce:
        raise BadState(REVOKED_MESSAGE)
    if link.expires_at is not None and clock.utc(link.expires_at) <= (now or clock.utcnow()):
        raise BadState(EXPIRED_MESSAGE)
    return sign(link.declaration_id, link.serial, link.nonce, link.expires_at, config)
