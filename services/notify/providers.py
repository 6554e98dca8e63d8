"""SMS provider adapters.

`console` (development): writes each message to the log and to the
development outbox table, which the gateway shows at a dev-only page. A
production configuration refuses it.

`http`: a generic JSON-over-HTTP SMS gateway. Each request is a JSON body
signed with HMAC-SHA256 over "<timestamp>\\n<body>" with the app secret; the
app key, the timestamp and the signature travel in headers. The message id is
the request's dedupe key, so the gateway drops a repeated send of the same
message. One pooled `requests.Session` serves every send of the process.

`send()` never raises for a provider fault: it returns a `Result` whose
outcome tells the sender what is known about the message.
"""
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Optional

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from services.common import clock
from services.common import config as cfg
from services.common import contracts as c
from services.notify.models import DevOutboxEntry

log = logging.getLogger(__name__)

CONSOLE = "console"
HTTP = "http"
PROVIDERS = (CONSOLE, HTTP)

DEFAULT_TIMEOUT = 5.0

# Outcomes of one send.
SENT = "sent"  # the provider accepted the message (or had it already)
RETRY = "retry"  # certainly not sent this time (refused for now, unreachable): try again later
REJECTED = "rejected"  # the provider refuses this request for good
UNKNOWN = "unknown"  # no answer: it may or may not have been sent

HEADER_APP_KEY = "X-App-Key"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_SIGNATURE = "X-Signature"


@dataclass(frozen=True)
class Result:
    outcome: str
    error: Optional[str] = None
    reference: Optional[str] = None  # the provider's own id of the message


def mask_phone(phone):
    """138****1234: what logs and admin pages show of a phone number."""
    phone = str(phone or "")
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def signature(secret, timestamp, body):
    """Hex HMAC-SHA256 of "<timestamp>\\n<body>" with the app secret."""
    if isinstance(secret, str):
        secret = secret.encode()
    return hmac.new(secret, str(timestamp).encode() + b"\n" + body, hashlib.sha256).hexdigest()


class ConsoleProvider:
    name = CONSOLE

    def __init__(self, engine):
        self.engine = engine

    def send(self, message_id, phone, template_code, params, text):
        log.info("SMS (console) to %s [%s]: %s", mask_phone(phone), message_id, text)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(DevOutboxEntry).values(
                        message_id=message_id,
                        phone=phone,
                        text=text,
                        created_at=clock.utcnow(),
                    )
                )
        except IntegrityError:
            pass  # sent before under this id: dropped, as a gateway does
        return Result(SENT)

    def close(self):
        pass


class HttpProvider:
    name = HTTP

    def __init__(self, url, app_key, app_secret, timeout=DEFAULT_TIMEOUT, pool_size=10):
        self.url = url
        self.app_key = app_key
        self.app_secret = app_secret
        self.timeout = timeout
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def request(self, message_id, phone, template_code, params, text):
        """(body bytes, headers) of one send."""
        body = json.dumps(
            {
                "message_id": message_id,
                "phone": phone,
                "template_code": template_code,
                "params": params,
                "content": text,
            },
            ensure_ascii=False,
            separators=(",", ":"),
            sort_keys=True,
        ).encode("utf-8")
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            HEADER_APP_KEY: self.app_key,
            HEADER_TIMESTAMP: timestamp,
            HEADER_SIGNATURE: signature(self.app_secret, timestamp, body),
        }
        return body, headers

    def send(self, message_id, phone, template_code, params, text):
        body, headers = self.request(message_id, phone, template_code, params, text)
        try:
            response = self.session.post(
                self.url, data=body, headers=headers, timeout=(self.timeout, self.timeout)
            )
        except requests.exceptions.ConnectTimeout as exc:
            return Result(RETRY, f"connect timeout: {exc}")
        except requests.exceptions.ReadTimeout as exc:
            return Result(UNKNOWN, f"no answer within {self.timeout:g}s: {exc}")
        except requests.exceptions.ConnectionError as exc:
            if _never_connected(exc):
                return Result(RETRY, f"unreachable: {exc}")
            return Result(UNKNOWN, f"connection lost: {exc}")
        except requests.exceptions.RequestException as exc:
            return Result(RETRY, f"request failed: {exc}")
        with response:
            status = response.status_code
            detail = response.text[:300]
        if 200 <= status < 300:
            return Result(SENT, reference=_reference(detail))
        error = f"HTTP {status}: {detail}"
        if status in (408, 429) or status >= 500:
            return Result(RETRY, error)
        return Result(REJECTED, error)

    def close(self):
        self.session.close()


def _never_connected(exc):
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    from urllib3.exceptions import NewConnectionError

    return isinstance(reason, NewConnectionError)


def _reference(text):
    try:
        answer = json.loads(text)
    except ValueError:
        return None
    if isinstance(answer, dict):
        ref = answer.get("reference") or answer.get("biz_id") or answer.get("message_id")
        return str(ref)[:200] if ref else None
    return None


def provider_name(config=None):
    return (cfg.get(c.ENV_SMS_PROVIDER, config, default=CONSOLE)).lower()


def timeout(config=None):
    return float(cfg.get(c.ENV_SMS_TIMEOUT, config, default=str(DEFAULT_TIMEOUT)))


def make_provider(config, engine):
    """The provider the configuration names. The console provider is refused
    in production; the http provider needs its URL, key and secret."""
    name = provider_name(config)
    if name not in PROVIDERS:
        raise ValueError(f"{c.ENV_SMS_PROVIDER} must be one of {', '.join(PROVIDERS)}, not {name!r}")
    if name == CONSOLE:
        if cfg.is_production(config):
            cfg.refuse_unsafe_start(c.NOTIFY, config)  # names every problem, whichever part starts first
            raise RuntimeError(f"{c.ENV_SMS_PROVIDER}=console is not allowed in production")
        return ConsoleProvider(engine)
    settings = {
        env: cfg.get(env, config) for env in (c.ENV_SMS_HTTP_URL, c.ENV_SMS_APP_KEY, c.ENV_SMS_APP_SECRET)
    }
    missing = [env for env, value in settings.items() if not value]
    if missing:
        raise ValueError(f"{c.ENV_SMS_PROVIDER}=http needs {', '.join(missing)}")
    return HttpProvider(
        settings[c.ENV_SMS_HTTP_URL],
        settings[c.ENV_SMS_APP_KEY],
        settings[c.ENV_SMS_APP_SECRET],
        timeout=timeout(config),
    )
