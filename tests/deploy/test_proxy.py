"""The reverse proxy of deploy/compose.yaml (deploy/proxy/nginx.conf, run by
a real nginx here) in front of the gateway with compose's TRUSTED_PROXIES=1:
the address the gateway counts per-address limits by is the client's own,
whatever X-Forwarded-For the client sends."""
import shutil
import subprocess
import threading
import time

import pytest
import requests
from flask import request
from werkzeug.serving import make_server

from gateway import create_app
from services.common import contracts as c
from tests.deploy import deployfiles as d
from tests.support.system import free_port

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None, reason="needs nginx (.ci/run installs it)")


@pytest.fixture
def behind_the_proxy(tmp_path):
    gateway_env = d.environment(d.load()["services"]["gateway"])
    app = create_app({
        c.ENV_APP_ENV: "production", c.ENV_TRUSTED_PROXIES: gateway_env[c.ENV_TRUSTED_PROXIES],
        c.ENV_SECRET_KEY: "a-session-key-of-its-own", c.ENV_PRINCIPAL_SECRET: "a-principal-key-of-its-own",
        c.ENV_PUBLIC_BASE_URL: "https://sme.example.gov.cn",
    })

    @app.get("/_client_address")
    def client_address():
        from gateway import client_ip

        return client_ip()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = free_port()
    # Compose's file, with compose's host name and port pointed at this machine.
    conf = (d.ROOT / "deploy" / "proxy" / "nginx.conf").read_text(encoding="utf-8")
    conf = conf.replace("server gateway:8000;", f"server 127.0.0.1:{server.server_port};")
    conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    conf = conf.replace("http {", f"http {{\n    client_body_temp_path {tmp_path}/body;\n"
                                  f"    proxy_temp_path {tmp_path}/proxy;", 1)
    (tmp_path / "nginx.conf").write_text(conf, encoding="utf-8")
    for temp in ("body", "proxy"):
        (tmp_path / temp).mkdir()
    nginx = subprocess.Popen(
        ["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g",
         f"daemon off; pid {tmp_path}/nginx.pid; user root;"],
        stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(url + "/static/site.css", timeout=2)
                break
            except requests.ConnectionError:
                assert nginx.poll() is None, nginx.stderr.read()
                time.sleep(0.1)
        yield url
    finally:
        nginx.terminate()
        nginx.wait(10)
        server.shutdown()
        app.extensions["rpc"].close()


def test_a_client_cannot_choose_its_address_through_the_proxy(behind_the_proxy):
    honest = requests.get(behind_the_proxy + "/_client_address", timeout=5)
    assert honest.status_code == 200 and honest.text == "127.0.0.1"
    for spoofed in ("203.0.113.9", "203.0.113.9, 198.51.100.4", "unknown"):
        answer = requests.get(behind_the_proxy + "/_client_address", headers={"X-Forwarded-For": spoofed},
                              timeout=5)
        assert answer.text == "127.0.0.1", spoofed
