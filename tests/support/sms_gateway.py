"""A JSON-over-HTTP SMS gateway of our own on loopback, for tests.

It plays a real gateway: it checks the app key and the HMAC-SHA256 signature
of "<timestamp>\\n<body>" (and the timestamp's freshness), delivers each
message id once and drops repeats (answering 200 with "duplicate": true), and
can be switched to answer 500, 429, or to take the message and then hang
past the client's timeout:

    with SmsGateway() as gateway:
        gateway.mode = "error"      # "ok" | "error" | "busy" | "hang"
        ...
        gateway.delivered           # [{"message_id", "phone", "content", ...}], each id once
        gateway.seen("key")         # how many requests named that message id

It verifies signatures with its own code, not the client's.
"""
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OK, ERROR, BUSY, HANG = "ok", "error", "busy", "hang"
MAX_SKEW = 300  # seconds a request's timestamp may differ from the clock


class SmsGateway:
    def __init__(self, app_key="test-app-key", app_secret="test-app-secret", hang_seconds=2.0):
        self.app_key = app_key
        self.app_secret = app_secret
        self.hang_seconds = hang_seconds
        self.mode = OK
        self.delivered = []
        self.requests = []  # (message_id or None, HTTP status answered)
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    # -- what tests read

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/sms/send"

    def seen(self, message_id):
        with self._lock:
            return sum(1 for mid, _ in self.requests if mid == message_id)

    def statuses(self):
        with self._lock:
            return [status for _, status in self.requests]

    def delivered_ids(self):
        with self._lock:
            return [m["message_id"] for m in self.delivered]

    def settings(self):
        """The notify settings that point at this gateway."""
        return {
            "SMS_PROVIDER": "http",
            "SMS_HTTP_URL": self.url,
            "SMS_APP_KEY": self.app_key,
            "SMS_APP_SECRET": self.app_secret,
        }

    # -- life

    def start(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                gateway._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- one request

    def _verify(self, headers, body):
        if headers.get("X-App-Key") != self.app_key:
            return "unknown app key"
        timestamp = headers.get("X-Timestamp", "")
        if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > MAX_SKEW:
            return "stale or missing timestamp"
        expected = hmac.new(
            self.app_secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, headers.get("X-Signature", "")):
            return "bad signature"
        return None

    def _handle(self, request):
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length)
        problem = self._verify(request.headers, body)
        message_id = None
        if problem is None:
            try:
                message = json.loads(body.decode("utf-8"))
                message_id = message["message_id"]
            except (ValueError, KeyError, TypeError):
                problem = "bad request body"
        mode = self.mode
        if problem is not None:
            status, answer = (401 if "body" not in problem else 400), {"code": "REJECTED", "error": problem}
        elif mode == ERROR:
            status, answer = 500, {"code": "INTERNAL_ERROR"}
        elif mode == BUSY:
            status, answer = 429, {"code": "THROTTLED"}
        else:
            with self._lock:
                duplicate = message_id in {m["message_id"] for m in self.delivered}
                if not duplicate:
                    self.delivered.append(message)
            status = 200
            answer = {"code": "OK", "message_id": message_id, "duplicate": duplicate}
        with self._lock:
            self.requests.append((message_id, status))
        if mode == HANG and problem is None:
            time.sleep(self.hang_seconds)  # taken, but the answer comes too late
        payload = json.dumps(answer).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(payload)))
            request.end_headers()
            request.wfile.write(payload)
        except OSError:
            pass  # the client gave up waiting
