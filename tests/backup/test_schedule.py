"""The backup CronJob of deploy/k8s, checked without a cluster: it runs the
backup command that exists, with every service's database and the bucket's
credentials, writing to its volume."""
import yaml

from services.common import backup
from services.common import contracts as c
from tests.deploy import deployfiles as d

CRONJOB = d.ROOT / "deploy" / "k8s" / "backup-cronjob.yaml"


def docs():
    return {doc["kind"]: doc for doc in yaml.safe_load_all(CRONJOB.read_text(encoding="utf-8")) if doc}


def test_the_cronjob_backs_up_every_database_and_the_bucket_into_its_volume(capsys):
    found = docs()
    cron = found["CronJob"]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    [box] = pod["containers"]
    command = box["command"]
    assert command[:3] == ["python", "-m", "services.common.backup"]
    # The command line the CronJob runs is one the module accepts.
    try:
        backup.main(command[3:] + ["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    env = {e["name"]: e for e in box["env"]}
    assert set(env) <= d.known_settings()
    assert {c.service_database_env(s) for s in c.SERVICES} | {c.ENV_S3_ACCESS_KEY, c.ENV_S3_SECRET_KEY} <= set(env)
    mount = next(m for m in box["volumeMounts"] if m["mountPath"] == env[c.ENV_BACKUP_DIR]["value"])
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    assert volume["persistentVolumeClaim"]["claimName"] == found["PersistentVolumeClaim"]["metadata"]["name"]
    assert box["image"] == "sme-bases"  # the release component sets its name and tag with the others'
    rendered = next(doc for doc in d.kustomize(d.K8S) if doc["kind"] == "CronJob")
    [released] = rendered["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert released["image"].startswith("registry.example.internal/sme-bases:")
