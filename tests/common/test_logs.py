"""Log lines: JSON objects with the fields an operator filters on, the
request's correlation id, masked phones, codes and tokens; the console
format for `make run`."""
import json
import logging
import os
import subprocess
import sys
import textwrap

from services.common import contracts as c
from services.common import logs
from services.common.config import ROOT


def record(message, *args, **extra):
    rec = logging.LogRecord("services.notify.sending", logging.INFO, __file__, 1, message, args, None)
    for key, value in extra.items():
        setattr(rec, key, value)
    logs.ContextFilter("notify").filter(rec)
    return rec


def test_a_json_line_has_time_level_service_logger_message_and_correlation_id():
    token = logs.CORRELATION.set("req-0123456789")
    try:
        line = json.loads(logs.formatter("json").format(record("sent %s", "ok")))
    finally:
        logs.CORRELATION.reset(token)
    assert {k: line[k] for k in ("level", "service", "logger", "message", "correlation_id")} == {
        "level": "INFO", "service": "notify", "logger": "services.notify.sending", "message": "sent ok",
        "correlation_id": "req-0123456789",
    }
    assert line["time"].startswith("20")


def test_phones_codes_and_tokens_are_masked_in_every_format():
    message = ("SMS to 13812345678 [verification_code]: 您的验证码为 482913，5分钟内有效 "
               "code=482913 Authorization: Bearer sme_AbCdEfGhIjKlMnOp token='s3cr3tvalue' sme_session=abcdef123456")
    for kind in logs.FORMATS:
        text = logs.formatter(kind).format(record("%s", message))
        for secret in ("13812345678", "482913", "sme_AbCdEfGhIjKlMnOp", "s3cr3tvalue", "abcdef123456"):
            assert secret not in text, (kind, text)
        assert "138****5678" in text


def test_the_console_format_is_one_readable_line():
    text = logs.formatter("text").format(record("started", correlation_id="req-0123456789"))
    assert " INFO notify [services.notify.sending] [req-0123456789] started" in text


def test_only_an_id_shaped_request_id_is_accepted():
    assert logs.accept_id("0f3c2a1e-req-42") == "0f3c2a1e-req-42"
    for bad in ("short", "has space 12345", "x" * 200, "line\nbreak1234", None, 42):
        assert logs.accept_id(bad) is None


def test_the_services_logging_config_writes_json_lines_with_the_service_and_masks():
    """deploy/nameko.yaml's LOGGING, as `nameko run` applies it, with LOG_FORMAT=json."""
    script = textwrap.dedent("""
        import logging, logging.config, yaml
        conf = yaml.safe_load(open("deploy/nameko.yaml"))["LOGGING"]
        conf["root"]["level"] = "INFO"
        logging.config.dictConfig(conf)
        from services.common import logs
        logs.set_process_service("accounts")
        logging.getLogger("services.accounts.codes").info("code for 13912345678 is 123456")
    """)
    env = dict(os.environ, LOG_FORMAT="json", PYTHONWARNINGS="ignore")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    [line] = [json.loads(raw) for raw in out.stderr.splitlines() if raw.startswith("{")]
    assert line["service"] == "accounts" and line["logger"] == "services.accounts.codes"
    assert line["message"] == "code for 139****5678 is ******"
    assert "13912345678" not in line["message"] and line["correlation_id"] == "-"


def test_gunicorns_access_line_carries_the_requests_id():
    atoms = {"m": "GET", "U": "/center", "s": "200", "D": "12345", "{x-request-id}o": "req-abcdef012345"}

    class SafeAtoms(dict):
        pass

    rec = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(m)s %(U)s %(s)s', (SafeAtoms(atoms),), None)
    logs.ContextFilter("gateway").filter(rec)
    logs.GunicornAccessFields().filter(rec)
    line = json.loads(logs.formatter("json").format(rec))
    assert line["correlation_id"] == "req-abcdef012345" and line["service"] == "gateway"
    assert (line["method"], line["path"], line["status"], line["duration_ms"]) == ("GET", "/center", "200", 12.3)
    assert c.CORRELATION_CONTEXT_KEY == "correlation_id"


def test_the_time_of_a_line_about_a_code_stays_readable():
    line = json.loads(logs.formatter("json").format(record("code 123456 sent")))
    assert line["message"] == "code ****** sent" and "*" not in line["time"]


def test_a_traceback_is_masked_too():
    try:
        raise ValueError("bad phone 13912345678")
    except ValueError:
        import sys as _sys

        rec = record("failed")
        rec.exc_info = _sys.exc_info()
    for kind in logs.FORMATS:
        assert "13912345678" not in logs.formatter(kind).format(rec)
