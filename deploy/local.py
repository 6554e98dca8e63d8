"""Local process runner behind `make run`: migrate, start the five services
and the gateway in the foreground, print the URLs; Ctrl-C stops them all.

Also used by the browser tests to start the system exactly as `make run` does.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.common import config as cfg  # noqa: E402
from services.common import contracts as c  # noqa: E402

BIN = Path(sys.executable).parent


def broker_reachable(amqp_uri, timeout=3):
    url = urlparse(amqp_uri)
    try:
        with socket.create_connection((url.hostname or "localhost", url.port or 5672), timeout):
            return True
    except OSError:
        return False


def service_command(service):
    return [
        str(BIN / "nameko"), "run", "--config", str(ROOT / "deploy" / "nameko.yaml"),
        c.SERVICE_CLASSES[service],
    ]


def gateway_command(host, port):
    return [
        str(BIN / "gunicorn"), "--worker-class", "gthread", "--workers", "1", "--threads", "8",
        "--bind", f"{host}:{port}", "--timeout", "60", "--access-logfile", "-", "gateway.wsgi:app",
    ]


def wait_healthy(base_url, processes, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, proc in processes.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with code {proc.returncode} while starting")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the system did not become healthy within {timeout}s")


class System:
    """The five services and the gateway as child processes."""

    def __init__(self, env=None, host=None, port=None, log_dir=None):
        self.env = dict(os.environ, **(env or {}))
        self.env.setdefault("PYTHONPATH", str(ROOT))
        self.host = host or cfg.get(c.ENV_GATEWAY_HOST, self.env)
        self.port = int(port or cfg.get(c.ENV_GATEWAY_PORT, self.env))
        self.log_dir = Path(log_dir) if log_dir else None
        self.processes = {}

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def _spawn(self, name, command):
        out = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )

    def setup(self):
        subprocess.run(
            [sys.executable, "-W", "ignore", "-m", "services.common.setup"],
            cwd=ROOT, env=self.env, check=True,
            stdout=subprocess.DEVNULL if self.log_dir else None,
        )

    def start(self, timeout=90):
        for service in c.SERVICES:
            self._spawn(service, service_command(service))
        self._spawn("gateway", gateway_command(self.host, self.port))
        wait_healthy(self.url, self.processes, timeout)

    def stop(self):
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.processes.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.processes = {}

    def __enter__(self):
        self.setup()
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the whole system locally.")
    parser.parse_args(argv)
    amqp_uri = cfg.get(c.ENV_AMQP_URI)
    if not broker_reachable(amqp_uri):
        print(
            f"无法连接 RabbitMQ（{amqp_uri}）：请先启动 RabbitMQ，例如 `rabbitmq-server -detached`，"
            "或设置 AMQP_URI 指向可用的 RabbitMQ。"
        )
        return 1
    problems = cfg.check_production()
    if problems:
        print("拒绝以生产配置启动：" + "；".join(problems))
        return 1
    system = System()
    print("正在迁移数据库并声明消息队列…", flush=True)
    system.setup()
    print("正在启动服务：" + "、".join(c.SERVICES) + " 与网关…", flush=True)
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        system.start()
        database = cfg.get(c.ENV_DATABASE_URL) or f"SQLite（{cfg.var_dir()}）"
        print(
            "\n系统已启动（Ctrl-C 停止）：\n"
            f"  企业门户   {system.url}/\n"
            f"  审核控制台 {system.url}/console/\n"
            f"  健康检查   {system.url}/healthz\n"
            f"  数据库     {database}\n",
            flush=True,
        )
        while not stopping:
            for name, proc in system.processes.items():
                if proc.poll() is not None:
                    print(f"{name} 已退出（代码 {proc.returncode}），正在停止全部服务。")
                    stopping = True
                    break
            time.sleep(0.5)
    except RuntimeError as exc:
        print(f"启动失败：{exc}")
        return 1
    finally:
        system.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
