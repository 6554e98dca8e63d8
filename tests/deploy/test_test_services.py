"""`make test` on a machine where RabbitMQ is down and its management plugin
is off: deploy/test-services.sh starts the node and enables the plugin. Shown
on a RabbitMQ node of this test's own (own ports, data directory and
enabled-plugins file, the plugin off), stopped afterwards; the machine's
shared node is never touched."""
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
import requests
from kombu import Connection

from tests.deploy import deployfiles as d

PORTS = {"amqp": 5682, "api": 15682, "dist": 25682}
SCRIPT = d.ROOT / "deploy" / "test-services.sh"


def busy(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


pytestmark = [
    pytest.mark.skipif(shutil.which("rabbitmq-server") is None or os.geteuid() != 0,
                       reason="needs RabbitMQ installed and root (to run a node as the rabbitmq user)"),
    pytest.mark.skipif(any(busy(p) for p in PORTS.values()), reason="the second node's ports are in use"),
]


@pytest.fixture
def own_node():
    # Outside pytest's private temporary directory: the node runs as the rabbitmq user.
    base = Path(tempfile.mkdtemp(prefix="sme-rabbit-"))
    base.chmod(0o755)
    (base / "mnesia").mkdir()
    (base / "log").mkdir()
    (base / "enabled_plugins").write_text("[].\n")  # the management plugin off
    (base / "rabbitmq.conf").write_text(
        f"listeners.tcp.local = 127.0.0.1:{PORTS['amqp']}\n"
        f"management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = {PORTS['api']}\n")
    (base / "env.conf").write_text("")
    shutil.chown(base, "rabbitmq", "rabbitmq")
    for path in base.rglob("*"):
        shutil.chown(path, "rabbitmq", "rabbitmq")
    node = f"sme_check_{uuid.uuid4().hex[:6]}@localhost"
    env = {
        **os.environ,
        "RABBITMQ_NODENAME": node, "RABBITMQ_NODE_PORT": str(PORTS["amqp"]),
        "RABBITMQ_DIST_PORT": str(PORTS["dist"]), "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
        "RABBITMQ_LOG_BASE": str(base / "log"), "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
        "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"), "RABBITMQ_CONF_ENV_FILE": str(base / "env.conf"),
        "RABBITMQ_ADVANCED_CONFIG_FILE": str(base / "advanced.config"),
        "ERL_EPMD_ADDRESS": "127.0.0.1",
        "RABBIT_PORT": str(PORTS["amqp"]), "RABBIT_API_PORT": str(PORTS["api"]), "SKIP_POSTGRES": "1",
    }
    yield env, base
    subprocess.run(["rabbitmqctl", "-n", node, "stop"], env={**env, "HOME": "/var/lib/rabbitmq"},
                   cwd="/var/lib/rabbitmq", capture_output=True, timeout=60)
    shutil.rmtree(base, ignore_errors=True)


def test_the_bootstrap_starts_rabbitmq_and_enables_its_management_plugin(own_node):
    env, base = own_node
    shared_plugins = open("/etc/rabbitmq/enabled_plugins").read() if os.path.exists("/etc/rabbitmq/enabled_plugins") else None
    done = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "starting RabbitMQ" in done.stdout and "enabling RabbitMQ's management plugin" in done.stdout
    assert "rabbitmq_management" in (base / "enabled_plugins").read_text()

    # What the suite does with it: a vhost through the management API, then AMQP in it.
    api, auth = f"http://127.0.0.1:{PORTS['api']}/api", ("guest", "guest")
    requests.put(f"{api}/vhosts/check", auth=auth, timeout=10).raise_for_status()
    requests.put(f"{api}/permissions/check/guest", json={"configure": ".*", "write": ".*", "read": ".*"},
                 auth=auth, timeout=10).raise_for_status()
    with Connection(f"amqp://guest:guest@127.0.0.1:{PORTS['amqp']}/check") as conn:
        conn.connect()
        assert conn.connected

    again = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "starting" not in again.stdout and "enabling" not in again.stdout
    if shared_plugins is not None:
        assert open("/etc/rabbitmq/enabled_plugins").read() == shared_plugins
