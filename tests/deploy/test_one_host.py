"""The one-host deployment's own steps, run here on the real PostgreSQL,
RabbitMQ and an S3 server with the settings compose gives each container
(host names pointed at this machine): the postgres init script makes a
database and a role per service that reach nothing else; the setup job's
command migrates every database, declares every consumer queue and makes the
bucket; a service started as its container starts passes its health check."""
import os
import re
import shutil
import subprocess
import sys
import uuid

import boto3
import eventlet
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from services.common import contracts as c
from tests.deploy import deployfiles as d
from tests.support import rabbit
from tests.support.database import ADMIN_URL
from tests.support.system import free_port

pytestmark = pytest.mark.skipif(shutil.which("psql") is None, reason="needs the psql client")

INIT_SCRIPT = d.ROOT / "deploy" / "postgres-init" / "10-service-databases.sh"
PG_HOST = re.match(r".*@([^:/]+)", ADMIN_URL).group(1)


@pytest.fixture
def host(config, s3_server):
    """Settings of compose's containers, pointed at this machine (a vhost
    of their own: compose declares the event queues as quorum queues, the
    suite's fixtures as classic ones)."""
    vhost, amqp_uri = rabbit.create_vhost()
    prefix = f"sme_t{uuid.uuid4().hex[:8]}_"
    compose = d.load()
    passwords = {f"{s.upper()}_DB_PASSWORD": uuid.uuid4().hex for s in c.SERVICES}
    bucket = f"sme-blobs-{uuid.uuid4().hex[:8]}"

    def localise(env):
        env = dict(env)
        for service in c.SERVICES:
            name = c.service_database_env(service)
            if name in env:
                password = passwords[f"{service.upper()}_DB_PASSWORD"]
                env[name] = f"postgresql://{prefix}{service}:{password}@{PG_HOST}:5432/{prefix}{service}"
        env[c.ENV_AMQP_URI] = amqp_uri
        env[c.ENV_S3_ENDPOINT_URL] = s3_server
        env[c.ENV_S3_BUCKET] = bucket
        if env.get(c.ENV_METRICS_PORT):  # the container's own port: here a free one on loopback
            env[c.ENV_METRICS_PORT], env[c.ENV_METRICS_ADDR] = str(free_port()), "127.0.0.1"
        return env

    yield {
        "prefix": prefix,
        "passwords": passwords,
        "bucket": bucket,
        "env": {name: localise(d.environment(spec)) for name, spec in compose["services"].items()},
        "compose": compose,
        "vhost": vhost,
    }
    rabbit.delete_vhost(vhost)
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for service in c.SERVICES:
            name = prefix + service
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                         {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
    admin.dispose()


def process_env(container_env):
    """The container's environment with the image's warning filters (the
    checkout and its virtualenv in place of the image's /app and /opt/venv)."""
    return {"PATH": os.path.dirname(sys.executable) + ":" + os.environ["PATH"], "PYTHONPATH": str(d.ROOT),
            "PYTHONWARNINGS": d.dockerfile_env()["PYTHONWARNINGS"], **container_env}


def run_init_script(host):
    env = {**os.environ, "POSTGRES_USER": "postgres", "PGHOST": PG_HOST, "DB_PREFIX": host["prefix"],
           **host["passwords"]}
    return subprocess.run(["sh", str(INIT_SCRIPT)], env=env, capture_output=True, text=True, timeout=120)


def test_the_init_script_refuses_a_missing_password(host):
    host["passwords"].pop("REVIEW_DB_PASSWORD")
    done = run_init_script(host)
    assert done.returncode != 0 and "REVIEW_DB_PASSWORD is not set" in done.stderr


def test_databases_setup_job_and_a_service_as_compose_runs_them(host, config, rabbit_manager, tmp_path):
    done = run_init_script(host)
    assert done.returncode == 0, done.stderr

    # Each role reaches its own database and no other.
    accounts_url = host["env"]["accounts"][c.service_database_env(c.ACCOUNTS)]
    server, _, own_database = accounts_url.rpartition("/")
    assert own_database == host["prefix"] + c.ACCOUNTS
    stranger = create_engine(f"{server}/{host['prefix']}{c.TENANTS}".replace("postgresql://", "postgresql+pg8000://"))
    with pytest.raises(DBAPIError, match="permission denied"):
        stranger.connect().close()
    stranger.dispose()

    # The setup job, by its compose command and environment.
    setup = host["compose"]["services"]["setup"]
    job = subprocess.run(setup["command"], cwd=d.ROOT, env=process_env(host["env"]["setup"]),
                         capture_output=True, text=True, timeout=300)
    assert job.returncode == 0, job.stdout + job.stderr
    for service in c.SERVICES:
        url = host["env"]["setup"][c.service_database_env(service)].replace("postgresql://", "postgresql+pg8000://")
        engine = create_engine(url)
        try:
            tables = set(inspect(engine).get_table_names())
        finally:
            engine.dispose()
        assert {"alembic_version", "outbox_events", "processed_events"} <= tables, service
    declared = {q["name"]: q.get("type") for q in rabbit_manager.get_queues(host["vhost"])}
    for (source, event_type), consumers in c.EVENTS.items():
        for consumer in consumers:
            assert declared[c.event_queue(source, event_type, consumer)] == "quorum"
    s3 = boto3.client("s3", endpoint_url=host["env"]["setup"][c.ENV_S3_ENDPOINT_URL],
                      aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1")
    s3.head_bucket(Bucket=host["bucket"])

    # A service started as its container starts passes its health check and
    # shows none of the known warnings (the image's PYTHONWARNINGS).
    tenants = host["compose"]["services"]["tenants"]
    env = process_env(host["env"]["tenants"])
    output = tmp_path / "tenants.log"
    with open(output, "wb") as log:
        proc = subprocess.Popen(tenants["command"], cwd=d.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        check = tenants["healthcheck"]["test"][1:]  # after "CMD"
        with eventlet.Timeout(90):
            while True:
                assert proc.poll() is None, "the service exited"
                if subprocess.run(check, cwd=d.ROOT, env=env, capture_output=True, timeout=60).returncode == 0:
                    break
                eventlet.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(30)
    assert "Warning" not in output.read_text(encoding="utf-8", errors="replace")
