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

from services.common import known_warnings  # noqa: E402

known_warnings.quiet()  # before the libraries that warn on import

from services.accounts import demo  # noqa: E402
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
        # nameko's CLI imports pkg_resources and eventlet, which both warn on import.
        self.env.setdefault("PYTHONWARNINGS", known_warnings.PYTHONWARNINGS_FOR_NAMEKO)
        self.host = host or cfg.get(c.ENV_GATEWAY_HOST, self.env)
        self.port = int(port or cfg.get(c.ENV_GATEWAY_PORT, self.env))
        self.log_dir = Path(log_dir) if log_dir else None
        self.processes = {}

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def _spawn(self, name, command, env=None):
        out = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=dict(self.env, **(env or {})), stdout=out, stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )

    def setup(self):
        subprocess.run(
            [sys.executable, "-m", "services.common.setup"],
            cwd=ROOT, env=self.env, check=True,
            stdout=subprocess.DEVNULL if self.log_dir else None,
        )

    def metrics_env(self, index):
        """Each service process its own metrics port (METRICS_PORT_BASE + index,
        loopback; 0 turns them off)."""
        base = int(self.env.get(c.ENV_METRICS_PORT_BASE) or 9101)
        if not base:
            return {}
        return {c.ENV_METRICS_PORT: str(base + index),
                c.ENV_METRICS_ADDR: self.env.get(c.ENV_METRICS_ADDR) or "127.0.0.1"}

    def start(self, timeout=90):
        for index, service in enumerate(c.SERVICES):
            self._spawn(service, service_command(service), self.metrics_env(index))
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


def seed_demo(config=None):
    """Development mode, first start: an open demo batch and the demo staff
    (idempotent: later starts keep what is there)."""
    from services.declarations.manage import seed_demo_batch

    seed_demo_batch(config)
    return demo.seed(config)


ROLE_NAMES = {c.ADMIN: "平台管理员", c.COUNTY: "区县审核", c.CITY: "设区市审核", c.PROVINCE: "省级审核"}


def banner(url, staff=None, config=None):
    """What `make run` prints once the system is up."""
    database = cfg.get(c.ENV_DATABASE_URL, config) or f"SQLite（{cfg.var_dir(config)}）"
    lines = [
        "",
        "系统已启动（Ctrl-C 停止）：",
        f"  企业门户     {url}/            （右上角“您好，请登录”；没有账号先“注册”）",
        f"  审核控制台   {url}/console/",
        f"  健康检查     {url}/healthz",
        f"  指标         {url}/metrics （各服务：127.0.0.1:{cfg.get(c.ENV_METRICS_PORT_BASE, config, default='9101')} 起依次 /metrics）",
        f"  数据库       {database}",
    ]
    if staff:
        lines += [
            "",
            "开发模式演示数据：已开放演示申报批次（门槛只提示不拦截）；企业账号请在门户自行注册。",
            "  入驻企业二维码：企业登录后 用户中心 → 双创基地 → 认定申报 → 继续填报 → 入驻企业",
            f"  短信（开发模式不真正发送）：{url}/dev/sms ，日志行形如 “SMS (console) to 138****1234 [...]: 正文”",
            "  控制台演示账号（用户名 / 密码）：",
        ]
        for person in staff:
            role = ROLE_NAMES[person["level"] or person["kind"]]
            lines.append(f"    {role:<6} {person['username']} / {person['password']}  {person['name']}")
    return "\n".join(lines) + "\n"


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
    system = System()
    print("正在迁移数据库并声明消息队列…", flush=True)
    system.setup()
    problems = demo.production_problems()
    if problems:
        print("拒绝以生产配置启动：" + "；".join(problems))
        return 1
    staff = None if cfg.is_production() else seed_demo()
    print("正在启动服务：" + "、".join(c.SERVICES) + " 与网关…", flush=True)
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        system.start()
        print(banner(system.url, staff), flush=True)
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
