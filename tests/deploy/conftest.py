"""Fixtures of the deploy checks."""
import pytest


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 HTTP server on loopback (moto's), as MinIO is in deploy/."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
