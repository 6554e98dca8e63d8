"""The production rehearsal, short version (`make rehearse` runs the long
one): every process of deploy/compose.yaml started as its container would,
with APP_ENV=production and its own environment only, against PostgreSQL
databases and roles from deploy/postgres-init, a RabbitMQ vhost and user, an
S3 server and the suite's SMS gateway; the whole journey walked over HTTP;
then every Deployment and the setup Job of deploy/k8s, as kustomize renders
them, started and healthy. See tests/deploy/rehearsal.py. It runs in a
process of its own, as `make rehearse` does (this one is eventlet-patched)."""
import shutil
import subprocess
import sys

import pytest

from tests.deploy import deployfiles as d

pytestmark = pytest.mark.skipif(shutil.which("psql") is None, reason="needs the psql client")


def test_the_system_runs_the_whole_journey_as_deployed():
    done = subprocess.run([sys.executable, "-m", "tests.deploy.rehearsal", "--short"],
                          cwd=d.ROOT, capture_output=True, text=True, timeout=600)
    log = done.stdout
    assert done.returncode == 0, log[-6000:] + done.stderr[-3000:]
    summary = log.strip().splitlines()[-1]
    assert summary.startswith("rehearsal passed in ")
    assert "compose: 7 processes started as deployed" in summary and "the journey walked" in summary
    assert "k8s: 7 processes started as deployed" in summary and "every process healthy" in summary
    for step in ("提交 → 待区县审核", "设区市 退回", "重新提交", "省级 认定 → 已认定", "SMS gateway:", "object store:"):
        assert step in log
    # Each process was started with the names of its environment printed, never a value.
    assert log.count("      environment: ") == 14
    for value in d.read_env_file(d.TEST_SECRETS).values():
        assert value not in log
