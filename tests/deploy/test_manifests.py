"""deploy/k8s/, checked without a cluster: every manifest parses and is valid
by the Kubernetes API schemas (kubernetes-validate, strict) of the oldest and
newest versions we support, so no removed API version slips in; it names
commands, modules, settings and objects that exist."""
import pytest
import yaml
from kubernetes_validate import utils as kv

from gateway import create_app
from services.common import contracts as c
from tests.deploy import deployfiles as d
from tests.deploy.fixtures import DOCS, K8S, container, objects


VERSIONS = ("1.29.0", kv.latest_version())
EXPECTED_API = {
    "Namespace": "v1", "ConfigMap": "v1", "Secret": "v1", "Service": "v1",
    "Deployment": "apps/v1", "Job": "batch/v1", "Ingress": "networking.k8s.io/v1",
    "HorizontalPodAutoscaler": "autoscaling/v2", "PodDisruptionBudget": "policy/v1",
    "CronJob": "batch/v1", "PersistentVolumeClaim": "v1",
}


DOCS_ONLY = [doc for _, doc in DOCS]


def workloads():
    found = dict(objects("Deployment"))
    found.update({f"job/{n}": j for n, j in objects("Job").items()})
    return found


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name,doc", DOCS, ids=[f"{n}:{d['kind']}/{d['metadata']['name']}" for n, d in DOCS])
def test_every_manifest_is_valid_for_the_kubernetes_api(name, doc, version):
    kv.validate(doc, version, strict=True)


def test_only_current_api_versions_are_used():
    for name, doc in DOCS:
        assert EXPECTED_API[doc["kind"]] == doc["apiVersion"], f"{name}: {doc['kind']} {doc['apiVersion']}"
        assert doc["metadata"].get("namespace", "sme-bases") == "sme-bases"


def test_the_validation_catches_a_mistake():
    deployment = yaml.safe_load((K8S / "tenants.yaml").read_text(encoding="utf-8"))
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kv.ValidationError):
        kv.validate(deployment, VERSIONS[-1], strict=True)
    deployment["apiVersion"] = "extensions/v1beta1"
    with pytest.raises(kv.SchemaNotFoundError):
        kv.validate(deployment, VERSIONS[-1], strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_template_and_the_job_has_its_own():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.yaml"}
    assert set(kustomization["resources"]) == files
    setup = yaml.safe_load((K8S / "setup" / "kustomization.yaml").read_text(encoding="utf-8"))
    assert setup["resources"] == ["job.yaml"]
    assert [doc["kind"] for doc in d.kustomize(K8S / "setup")] == ["Job"]


@pytest.mark.parametrize("service", c.SERVICES)
def test_a_deployment_per_service_runs_its_class_with_limits_and_probes(service):
    deployment = objects("Deployment")[service]
    if service in objects("HorizontalPodAutoscaler"):
        assert "replicas" not in deployment["spec"]  # the autoscaler owns the count
    else:
        assert deployment["spec"]["replicas"] >= 1
    box = container(deployment)
    target = d.nameko_target(box["command"])
    assert target == c.SERVICE_CLASSES[service]
    classes = d.service_classes(target)
    assert [cls.name for cls in classes] == [service]
    resources = box["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"]) and {"cpu", "memory"} <= set(resources["limits"])
    # Probes are HTTP GETs of the process's own /readyz and /livez on its
    # metrics port (no process started per check): ready and started when its
    # database and the broker answer, alive while its event loop answers, so
    # a broker or database outage does not restart every pod.
    port = int(d.workload_env(deployment, DOCS_ONLY, d.read_env_file(d.K8S_TEST_SECRET))[c.ENV_METRICS_PORT])
    assert {"name": "metrics", "containerPort": port} in box["ports"]
    expected = {"startupProbe": "/readyz", "readinessProbe": "/readyz", "livenessProbe": "/livez"}
    for probe, path in expected.items():
        assert "exec" not in box[probe], probe
        assert box[probe]["httpGet"] == {"path": path, "port": "metrics"}, probe
        assert ops_status(path) != 404


def ops_status(path):
    """The status the metrics port's WSGI app answers `path` with."""
    from werkzeug.test import Client

    from services.common import metrics

    return Client(metrics.ops_app).get(path).status_code


def test_the_gateway_is_served_behind_a_service_and_an_ingress():
    gateway = objects("Deployment")["gateway"]
    box = container(gateway)
    command = box["command"]
    assert command[0] == "gunicorn" and "--worker-class=gthread" in command
    app = d.wsgi_app(command[-1])
    assert app.name == "gateway"
    assert box["ports"] == [{"name": "http", "containerPort": 8000}]
    assert "--bind=0.0.0.0:8000" in command
    # The readiness path answers without any service running.
    path = box["readinessProbe"]["httpGet"]["path"]
    assert create_app({c.ENV_RPC_TIMEOUT: "1"}).test_client().get(path).status_code == 200
    assert box["livenessProbe"]["tcpSocket"]["port"] == "http"

    service = objects("Service")["gateway"]
    assert service["spec"]["selector"] == gateway["spec"]["selector"]["matchLabels"]
    ingress = objects("Ingress")["gateway"]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "gateway", "port": {"name": "http"}}
    assert backend["port"]["name"] in [p["name"] for p in service["spec"]["ports"]]


def test_the_setup_job_migrates_and_declares_queues_once():
    job = objects("Job")["setup"]
    box = container(job)
    command = " ".join(box["command"])
    assert "python -m services.common.setup" in command and "python -m services.common.blobs ensure" in command
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    names = {e["name"] for e in box["env"]}
    assert {c.service_database_env(s) for s in c.SERVICES} <= names


def test_gateway_and_tenants_autoscale():
    hpas = objects("HorizontalPodAutoscaler")
    assert set(hpas) == {"gateway", "tenants"}
    deployments = objects("Deployment")
    for name, hpa in hpas.items():
        target = hpa["spec"]["scaleTargetRef"]
        assert target == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert hpa["spec"]["minReplicas"] >= 2
        # A fixed count would be re-applied by every `kubectl apply -k`,
        # dropping a scaled-out Deployment back to it.
        assert "replicas" not in deployments[name]["spec"], name
        # Utilisation is measured against requests: each container has one.
        assert container(deployments[name])["resources"]["requests"]["cpu"]


def test_one_image_everywhere_its_tag_set_only_by_kustomize_and_processes_are_locked_down():
    # No manifest names a tag: the release component's `images:` sets it for
    # the Deployments and for the setup Job alike.
    assert {container(w)["image"] for w in workloads().values()} == {"sme-bases"}
    release = yaml.safe_load((K8S / "release" / "kustomization.yaml").read_text(encoding="utf-8"))
    [image] = release["images"]
    expected = f"{image['newName']}:{image['newTag']}"
    rendered = d.kustomize(K8S) + d.kustomize(K8S / "setup")
    boxes = [doc["spec"]["template"]["spec"]["containers"][0] for doc in rendered
             if doc["kind"] in ("Deployment", "Job")]
    assert len(boxes) == len(workloads())
    assert {box["image"] for box in boxes} == {expected}
    # Where kubectl is missing the suite renders with its own renderer: it agrees with kustomize.
    key = lambda doc: (doc["kind"], doc["metadata"]["name"])  # noqa: E731
    assert sorted(d._render(K8S), key=key) == sorted(d.kustomize(K8S), key=key)
    for name, workload in workloads().items():
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        box = container(workload)
        assert box["securityContext"]["readOnlyRootFilesystem"] is True, name
        assert box["securityContext"]["allowPrivilegeEscalation"] is False, name


def test_settings_are_ones_the_code_reads_and_exist_in_the_configmap_or_secret():
    known = d.known_settings()
    config = objects("ConfigMap")["sme-config"]["data"]
    secret = objects("Secret")["sme-secrets"]["stringData"]
    assert set(config) <= known and set(secret) <= known
    assert not set(config) & set(secret)
    for name, workload in workloads().items():
        box = container(workload)
        assert box["envFrom"] == [{"configMapRef": {"name": "sme-config"}}], name
        for env in box["env"]:
            assert env["name"] in known, f"{name}: {env['name']}"
            ref = env["valueFrom"]["secretKeyRef"]
            assert ref["name"] == "sme-secrets" and ref["key"] == env["name"] and ref["key"] in secret


def test_no_secret_value_is_committed():
    secret = objects("Secret")["sme-secrets"]
    assert "data" not in secret
    assert all(value == "" for value in secret["stringData"].values())


def test_each_process_gets_only_the_secrets_it_needs():
    database_envs = {c.service_database_env(s) for s in c.SERVICES}
    for name, workload in workloads().items():
        names = {e["name"] for e in container(workload)["env"]}
        assert c.ENV_AMQP_URI in names, name
        if name == "job/setup":
            assert names & database_envs == database_envs
            continue
        assert c.ENV_PRINCIPAL_SECRET in names, name
        if name == "gateway":
            assert c.ENV_SECRET_KEY in names and not names & database_envs
        else:
            assert c.ENV_SECRET_KEY not in names
            assert names & database_envs == {c.service_database_env(name)}
    notify = {e["name"] for e in container(objects("Deployment")["notify"])["env"]}
    assert {c.ENV_SMS_HTTP_URL, c.ENV_SMS_APP_KEY, c.ENV_SMS_APP_SECRET} <= notify
    assert objects("ConfigMap")["sme-config"]["data"][c.ENV_SMS_PROVIDER] == "http"
    assert objects("ConfigMap")["sme-config"]["data"][c.ENV_APP_ENV] == "production"


def test_the_readme_says_what_the_manifests_do():
    readme = (K8S / "README.md").read_text(encoding="utf-8")
    replicas = objects("Deployment")["notify"]["spec"]["replicas"]
    assert f"`notify` runs {['no', 'one', 'two', 'three'][replicas]} replica" in readme
    assert "stays at one replica" not in readme
    # nameko's reply queues are not exclusive (x-expires removes them).
    assert "exclusive, per client" not in readme and "neither\n  exclusive nor auto-delete" in readme
    assert "kubectl apply -k deploy/k8s/setup" in readme and "setup-job.yaml" not in readme
    config = objects("ConfigMap")["sme-config"]["data"]
    assert config[c.ENV_EVENT_QUEUE_TYPE] == "quorum" and config[c.ENV_DATABASE_SSLMODE] == "verify-full"
