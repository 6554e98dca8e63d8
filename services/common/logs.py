"""Log lines of the gateway and every service: one JSON object a line (time,
level, service, logger, message, correlation_id, and any extra fields), or
a human-readable line for a developer's console (LOG_FORMAT=text, the
default outside production).

The correlation id names one request across processes: the gateway takes it
from a trusted X-Request-ID or makes one, signs nothing into it, and puts it
into every RPC's context data under `contracts.CORRELATION_CONTEXT_KEY`;
a service's `CorrelationId` dependency reads it from the worker's context
(or makes one for a timer or an event without one) and every line a worker
logs carries it. Phones, verification codes and tokens are masked in every
line, whatever logged them.

In a nameko service's config (deploy/nameko.yaml):

    LOGGING:
      filters: {context: {"()": services.common.logs.ContextFilter}}
      formatters: {default: {"()": services.common.logs.formatter}}
      handlers: {console: {class: logging.StreamHandler, formatter: default, filters: [context]}}
"""
import contextvars
import logging
import os
import re
import sys
import time
import uuid

from nameko.extensions import DependencyProvider
from pythonjsonlogger.json import JsonFormatter

from services.common import config as cfg
from services.common import contracts

FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(service)s [%(name)s] [%(correlation_id)s] %(message)s"

# The correlation id and service of the code running now: a request's thread
# in the gateway, a worker's green thread in a service.
CORRELATION = contextvars.ContextVar(contracts.CORRELATION_CONTEXT_KEY, default=None)
SERVICE = contextvars.ContextVar("service", default=None)
_process_service = "-"

_worker_log = logging.getLogger("services.worker")

# A correlation id given by a trusted caller: short, printable, no spaces.
VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def new_id():
    return uuid.uuid4().hex


def accept_id(value):
    """`value` if it is usable as a correlation id, else None."""
    return value if isinstance(value, str) and VALID_ID.match(value) else None


def current():
    return CORRELATION.get()


def set_process_service(name):
    """The service a process runs, for lines logged outside any worker."""
    global _process_service
    _process_service = name


# --- masking -------------------------------------------------------------------

_NOT_ALNUM_BEFORE, _NOT_ALNUM_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
MASKS = (
    # mobile numbers: 138****1234
    (re.compile(_NOT_ALNUM_BEFORE + r"(1[3-9][0-9])[0-9]{4}([0-9]{4})" + _NOT_ALNUM_AFTER), r"\1****\2"),
    # tokens: bearer, API tokens, cookies, signed principals, anything called token/secret/password
    (re.compile(r"(Bearer\s+)[^\s'\",]+", re.I), r"\1***"),
    (re.compile(r"sme_[A-Za-z0-9_-]{8,}"), "sme_***"),
    (re.compile(r"(sme_session=)[^\s;'\",]+"), r"\1***"),
    (re.compile(r"""((?:token|secret|password|principal)['"]?\s*[:=]\s*['"]?)[^\s'",}]{6,}""", re.I), r"\1***"),
)


# verification codes: in a line that speaks of a code, every standalone
# number of four to eight digits (a year or a count there is masked too)
_SPEAKS_OF_CODE = re.compile(r"code|验证码", re.I)
_CODE = re.compile(r"(?<![0-9A-Za-z*])[0-9]{4,8}(?![0-9A-Za-z*])")


def mask(text):
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    if _SPEAKS_OF_CODE.search(text):
        text = _CODE.sub("******", text)
    return text


# --- filter and formatters ---------------------------------------------------------


class ContextFilter(logging.Filter):
    """Adds `correlation_id` and `service` to every record (an explicit
    `extra={"correlation_id": ...}` wins)."""

    def __init__(self, service=None):
        super().__init__()
        self.service = service

    def filter(self, record):
        if getattr(record, "correlation_id", None) is None:
            record.correlation_id = CORRELATION.get() or "-"
        if getattr(record, "service", None) is None:
            record.service = SERVICE.get() or self.service or _process_service
        return True


def _mask_record(formatter, record):
    """The record's message and traceback masked (the time and the other
    fields are left alone: a date is no code)."""
    record.msg = mask(record.getMessage())
    record.args = None
    if record.exc_text:
        record.exc_text = mask(record.exc_text)


class MaskingJsonFormatter(JsonFormatter):
    def format(self, record):
        _mask_record(self, record)
        return super().format(record)

    def formatException(self, ei):
        return mask(super().formatException(ei))


class MaskingTextFormatter(logging.Formatter):
    def format(self, record):
        for name in ("service", "correlation_id"):
            if not hasattr(record, name):
                setattr(record, name, "-")
        _mask_record(self, record)
        return super().format(record)

    def formatException(self, ei):
        return mask(super().formatException(ei))


def log_format(config=None):
    default = "json" if cfg.is_production(config) else "text"
    value = (cfg.get(contracts.ENV_LOG_FORMAT, config, default=default) or default).lower()
    return value if value in FORMATS else default


def formatter(kind=None):
    """The formatter LOG_FORMAT asks for (a dictConfig factory, too)."""
    if (kind or log_format()) == "json":
        return MaskingJsonFormatter(
            ["levelname", "service", "name", "message", "correlation_id"],
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
            json_ensure_ascii=False,
        )
    return MaskingTextFormatter(TEXT_FORMAT)


def configure(service, level=None, stream=None, kind=None):
    """Root logging of a process that has no logging config of its own (the
    gateway under gunicorn): one stream handler, the formatter and filter.
    gunicorn's own loggers get the same formatter and filter (its access
    log lines carry the request's id from the X-Request-ID response header)."""
    set_process_service(service)
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(formatter(kind))
    handler.addFilter(ContextFilter(service))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("LOG_LEVEL", "INFO").upper())
    for name in ("gunicorn.error", "gunicorn.access"):
        for existing in logging.getLogger(name).handlers:
            existing.setFormatter(formatter(kind))
            existing.addFilter(ContextFilter(service))
            if name == "gunicorn.access":
                existing.addFilter(GunicornAccessFields())
    return handler


class GunicornAccessFields(logging.Filter):
    """gunicorn's access line as fields: method, path, status, duration and
    the correlation id the gateway put into the X-Request-ID header."""

    def filter(self, record):
        atoms = record.args
        if isinstance(atoms, dict):  # gunicorn's SafeAtoms
            try:
                record.correlation_id = atoms["{x-request-id}o"] or record.correlation_id
                record.method, record.path, record.status = atoms["m"], atoms["U"], atoms["s"]
                record.duration_ms = round(int(atoms["D"]) / 1000, 1)
            except (KeyError, TypeError, ValueError):
                pass
        return True


class CorrelationId(DependencyProvider):
    """Declare on a service class; every worker then logs the correlation id
    of the call that started it (a fresh one for timers and events without
    one) and the service's name."""

    def setup(self):
        set_process_service(self.container.service_name)

    def worker_setup(self, worker_ctx):
        correlation_id = accept_id(worker_ctx.data.get(contracts.CORRELATION_CONTEXT_KEY)) or new_id()
        # into the worker's context data: the RPCs it makes and the events it
        # writes carry it on
        worker_ctx.data[contracts.CORRELATION_CONTEXT_KEY] = correlation_id
        CORRELATION.set(correlation_id)
        SERVICE.set(self.container.service_name)
        worker_ctx.log_started = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        """One line per worker: what ran, how it ended, how long it took."""
        elapsed = (time.perf_counter() - getattr(worker_ctx, "log_started", time.perf_counter())) * 1000
        outcome = "ok" if exc_info is None else exc_info[0].__name__
        method = worker_ctx.entrypoint.method_name
        _worker_log.log(
            logging.DEBUG if method == contracts.RPC_HEALTH else logging.INFO,  # probes ask every few seconds
            "%s.%s %s in %.1f ms", self.container.service_name, method, outcome, elapsed,
            extra={"entrypoint": method, "outcome": outcome,
                   "duration_ms": round(elapsed, 1)},
        )

    def get_dependency(self, worker_ctx):
        return CORRELATION.get()
