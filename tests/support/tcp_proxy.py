"""A TCP proxy a test can cut and restore, to take the broker away from one
client only:

    with TcpProxy("127.0.0.1", 5672) as proxy:
        config["AMQP_URI"] = proxy.rewrite(config["AMQP_URI"])
        ...
        proxy.cut()      # live connections are closed, new ones refused
        ...
        proxy.restore()  # connections are accepted again

Threads and sockets are the standard library's (green under eventlet's
monkey patch, which the test process applies).
"""
import socket
import threading
from urllib.parse import urlparse, urlunparse


class TcpProxy:
    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sockets = set()
        self._cut = False
        self._closed = False
        self.accepted = 0  # connections passed through so far
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    def rewrite(self, uri):
        """`uri` with its host and port replaced by the proxy's."""
        url = urlparse(uri)
        netloc = url.netloc.rsplit("@", 1)
        auth = netloc[0] + "@" if len(netloc) == 2 else ""
        return urlunparse(url._replace(netloc=f"{auth}127.0.0.1:{self.port}"))

    def start(self):
        self._thread.start()
        return self

    def cut(self):
        """Close every live connection and refuse new ones until restore()."""
        with self._lock:
            self._cut = True
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            self._close(sock)

    def restore(self):
        with self._lock:
            self._cut = False

    def close(self):
        self._closed = True
        self.cut()
        self._close(self._listener)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    @staticmethod
    def _close(sock):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def _accept_loop(self):
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except (OSError, EOFError):
                return
            with self._lock:
                refused = self._cut
            if refused:
                self._close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                self._close(client)
                continue
            with self._lock:
                if self._cut:
                    self._close(client)
                    self._close(upstream)
                    continue
                self._sockets.update((client, upstream))
                self.accepted += 1
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except (OSError, EOFError):  # eventlet raises EOFError on a socket closed under it
            pass
        finally:
            with self._lock:
                self._sockets.discard(src)
                self._sockets.discard(dst)
            self._close(src)
            self._close(dst)
