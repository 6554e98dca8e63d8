"""The whole system (five services and the gateway) started exactly as
`make run` starts it, on a RabbitMQ vhost and a PostgreSQL database of its
own that are removed afterwards."""
import contextlib
import secrets
import socket
from pathlib import Path

from deploy.local import System
from services.common import contracts as c
from tests.support import database, rabbit


def free_port(host="127.0.0.1"):
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def system_env(amqp_uri, database_url, work_dir, port):
    """Environment of every process of a test system: development settings,
    fresh secrets, nothing inherited that points elsewhere."""
    work_dir = Path(work_dir)
    env = {
        c.ENV_APP_ENV: "development",
        c.ENV_AMQP_URI: amqp_uri,
        c.ENV_DATABASE_URL: database_url,
        c.ENV_VAR_DIR: str(work_dir / "var"),
        c.ENV_BLOB_DIR: str(work_dir / "var" / "blobs"),
        c.ENV_GATEWAY_HOST: "127.0.0.1",
        c.ENV_GATEWAY_PORT: str(port),
        c.ENV_SECRET_KEY: secrets.token_hex(16),
        c.ENV_PRINCIPAL_SECRET: secrets.token_hex(16),
        "PYTHONWARNINGS": "ignore",
    }
    return env


@contextlib.contextmanager
def running_system(work_dir, timeout=90):
    """Yield a started `deploy.local.System` (its `url`, `env`, `log_dir`);
    stop it and drop its vhost and database on exit. Service logs go to
    `<work_dir>/logs/<name>.log`."""
    vhost, amqp_uri = rabbit.create_vhost()
    try:
        database_url = database.create_database()
        try:
            port = free_port()
            env = system_env(amqp_uri, database_url, work_dir, port)
            system = System(env=env, port=port, log_dir=Path(work_dir) / "logs")
            # A per-service database variable of the caller's shell would
            # send that service elsewhere.
            for service in c.SERVICES:
                system.env.pop(c.service_database_env(service), None)
            try:
                system.setup()
                try:
                    system.start(timeout=timeout)
                except RuntimeError as exc:
                    raise RuntimeError(f"{exc}\n{log_tail(system, lines=15)}") from None
                yield system
            finally:
                system.stop()
        finally:
            database.drop_database(database_url)
    finally:
        rabbit.delete_vhost(vhost)


def log_tail(system, lines=40):
    """The last lines of every process's log, for a failure report."""
    out = []
    if not system.log_dir:
        return ""
    for path in sorted(Path(system.log_dir).glob("*.log")):
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        out.append(f"--- {path.name} ---\n" + "\n".join(text))
    return "\n".join(out)
