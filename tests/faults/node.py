"""A RabbitMQ node of the fault suite's own: its own ports and data
directory, started, stopped and started again by the suite (the machine's
shared broker is never touched).

Ports and the data directory are settings: FAULTS_AMQP_PORT (5692),
FAULTS_DIST_PORT (25692), FAULTS_MANAGEMENT_PORT (15692), FAULTS_NODE_DIR.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"


def available():
    return Path(SERVER).exists() and Path(CTL).exists()


class OwnNode:
    def __init__(self, amqp_port=None, dist_port=None, management_port=None, base_dir=None):
        self.amqp_port = int(amqp_port or os.environ.get("FAULTS_AMQP_PORT", 5692))
        self.dist_port = int(dist_port or os.environ.get("FAULTS_DIST_PORT", 25692))
        self.management_port = int(management_port or os.environ.get("FAULTS_MANAGEMENT_PORT", 15692))
        self.base = Path(base_dir or os.environ.get("FAULTS_NODE_DIR") or tempfile.mkdtemp(prefix="sme-faults-node-"))
        self.name = f"smefaults{self.amqp_port}@localhost"
        self.process = None

    @property
    def amqp_uri(self):
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"

    def _env(self):
        env = dict(os.environ)
        env.update(
            RABBITMQ_NODENAME=self.name,
            RABBITMQ_NODE_PORT=str(self.amqp_port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_MNESIA_BASE=str(self.base / "mnesia"),
            RABBITMQ_LOG_BASE=str(self.base / "log"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(self.base / "enabled_plugins"),
            RABBITMQ_CONFIG_FILE=str(self.base / "rabbitmq"),
            RABBITMQ_PID_FILE=str(self.base / "pid"),
        )
        return env

    def _prepare(self):
        (self.base / "mnesia").mkdir(parents=True, exist_ok=True)
        (self.base / "log").mkdir(parents=True, exist_ok=True)
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.amqp_port}\n"
            f"management.tcp.port = {self.management_port}\n"
            "management.tcp.ip = 127.0.0.1\n"
            "loopback_users = none\n"
        )
        (self.base / "enabled_plugins").write_text("[].\n")

    def start(self, timeout=90):
        """Start the node (its data kept from a previous start) and wait until
        it accepts AMQP connections; seconds it took."""
        self._prepare()
        began = time.monotonic()
        log = open(self.base / "server.log", "ab")
        self.process = subprocess.Popen(
            [SERVER], env=self._env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._wait_ready(timeout)
        return time.monotonic() - began

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the fault suite's RabbitMQ node exited; see {self.base / 'server.log'}")
            result = subprocess.run([CTL, "-n", self.name, "await_startup", "--timeout", "5"],
                                    env=self._env(), capture_output=True)
            if result.returncode == 0 and self._port_open():
                return
            time.sleep(0.5)
        raise RuntimeError("the fault suite's RabbitMQ node did not start in time")

    def _port_open(self):
        with socket.socket() as sock:
            sock.settimeout(1)
            return sock.connect_ex(("127.0.0.1", self.amqp_port)) == 0

    def stop(self):
        """Stop the node the way an operator (or a crash of the host's
        service) would: it goes away; its durable queues and persistent
        messages stay on disk."""
        if self.process is None:
            return
        subprocess.run([CTL, "-n", self.name, "stop"], env=self._env(), capture_output=True, timeout=120)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def remove(self):
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)
