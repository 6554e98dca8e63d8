"""What the deploy/ checks share: deploy/compose.yaml read as `docker compose`
reads it, without an engine (YAML with merge keys, then variable
interpolation by the Compose specification's rules); the settings the code
reads; the commands the image runs."""
import importlib
import re

import yaml

from services.common import contracts as c
from services.common.config import ROOT

COMPOSE_FILE = ROOT / "deploy" / "compose.yaml"
ENV_EXAMPLE = ROOT / "deploy" / "env.example"

_VAR = re.compile(
    r"\$(?:(?P<escaped>\$)|(?P<plain>[A-Za-z_][A-Za-z0-9_]*)"
    r"|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\})"
)


class MissingVariable(ValueError):
    pass


def interpolate_text(text, env):
    def replace(match):
        if match.group("escaped"):
            return "$"
        name = match.group("plain") or match.group("name")
        op, arg = match.group("op"), match.group("arg") or ""
        value = env.get(name)
        unset = value is None
        empty = unset or value == ""
        if op in (":-", "-"):
            return arg if (empty if op == ":-" else unset) else value
        if op in (":?", "?"):
            if empty if op == ":?" else unset:
                raise MissingVariable(f"{name}: {arg}")
            return value
        if op in (":+", "+"):
            return "" if (empty if op == ":+" else unset) else arg
        return "" if unset else value

    return _VAR.sub(replace, text)


def interpolate(node, env):
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(value, env) for value in node]
    if isinstance(node, str):
        return interpolate_text(node, env)
    return node


def raw():
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def env_example_names():
    names = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.append(line.split("=", 1)[0])
    return names


def sample_env():
    """Every variable of env.example set, as an operator would."""
    return {name: f"{name.lower().replace('_', '-')}-value-0123456789" for name in env_example_names()}


def load(env=None):
    return interpolate(raw(), sample_env() if env is None else env)


def environment(service_def):
    env = service_def.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {key: None if value is None else str(value) for key, value in env.items()}


# --- the settings the code reads ---------------------------------------------

NAMEKO_YAML = ROOT / "deploy" / "nameko.yaml"


def known_settings():
    """Every environment variable a process of the image reads: the
    contracts' ENV_* names (read through services.common.config), each
    service's database URL, and what deploy/nameko.yaml substitutes."""
    names = {value for key, value in vars(c).items() if key.startswith("ENV_") and isinstance(value, str)}
    names.discard(c.ENV_SERVICE_DATABASE_URL)
    names |= {c.service_database_env(s) for s in c.SERVICES}
    names |= set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", NAMEKO_YAML.read_text(encoding="utf-8")))
    return names


# --- the commands the image runs -----------------------------------------------

def nameko_target(command):
    """The `module:Class` a `nameko run --config deploy/nameko.yaml ...` command runs."""
    assert command[:4] == ["nameko", "run", "--config", "deploy/nameko.yaml"], command
    assert len(command) == 5, command
    return command[4]


def service_classes(target):
    """What `nameko run TARGET` would run (nameko's own discovery)."""
    from nameko.cli.run import import_service

    return import_service(target)


def wsgi_app(target):
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


# --- the image's own environment ------------------------------------------------

DOCKERFILE = ROOT / "deploy" / "Dockerfile"


BASE_IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # the python image's PATH


def dockerfile_env():
    """The `ENV` of the Dockerfile's last (runtime) stage, as the image sets it
    (`$PATH` is the base image's)."""
    import shlex

    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    stage = re.split(r"^FROM .*$", text, flags=re.M)[-1]
    env = {}
    for line in stage.splitlines():
        if line.startswith("ENV "):
            for item in shlex.split(line[4:]):
                name, _, value = item.partition("=")
                env[name] = value.replace("$PATH", BASE_IMAGE_PATH)
    return env


def container_env(own):
    """What a process of the image sees: the image's ENV, then the
    container's own environment over it (nothing else)."""
    return {**dockerfile_env(), **{k: v for k, v in own.items() if v is not None}}


# --- the test secrets (what an operator's deploy/.env and Secret hold) ----------

TEST_SECRETS = ROOT / "tests" / "deploy" / "test-secrets.env"
K8S_TEST_SECRET = ROOT / "tests" / "deploy" / "test-k8s-secret.env"


def read_env_file(path):
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


# --- deploy/k8s as `kubectl kustomize` renders it --------------------------------

K8S = ROOT / "deploy" / "k8s"


def kustomize(directory=K8S):
    """The objects `kustomize build DIRECTORY` renders: `kubectl kustomize`
    where kubectl is installed, else the part of kustomize our files use
    (resources, images) done here."""
    import shutil
    import subprocess

    if shutil.which("kubectl"):
        done = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True,
                              timeout=60, check=True)
        return [doc for doc in yaml.safe_load_all(done.stdout) if doc]
    return _render(directory)


def _render(directory):
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    docs = []
    for resource in kustomization.get("resources", []):
        path = directory / resource
        if path.is_dir():
            docs += _render(path)
        else:
            docs += [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    images = {i["name"]: i for i in kustomization.get("images", [])}
    for component in kustomization.get("components", []):
        part = yaml.safe_load((directory / component / "kustomization.yaml").read_text(encoding="utf-8"))
        images.update({i["name"]: i for i in part.get("images", [])})
    for doc in docs:
        spec = doc.get("spec", {})
        spec = spec.get("jobTemplate", {}).get("spec", spec)  # a CronJob's pod is one level down
        pod = spec.get("template", {}).get("spec", {})
        for box in pod.get("containers", []) + pod.get("initContainers", []):
            name, _, tag = box["image"].partition(":")
            if name in images:
                new = images[name]
                box["image"] = f"{new.get('newName', name)}:{new.get('newTag', tag)}"
    return docs


def workload_env(workload, objects, secret_values):
    """The environment of a Deployment's or Job's container as Kubernetes
    gives it: the image's ENV, envFrom ConfigMaps/Secrets, then `env`
    (values, or keys of the Secret filled with `secret_values`)."""
    configmaps = {d["metadata"]["name"]: d.get("data", {}) for d in objects if d["kind"] == "ConfigMap"}
    box = workload["spec"]["template"]["spec"]["containers"][0]
    env = dict(dockerfile_env())
    for source in box.get("envFrom", []):
        if "configMapRef" in source:
            env.update(configmaps[source["configMapRef"]["name"]])
        else:
            env.update(secret_values)
    for item in box.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        elif "configMapKeyRef" in item.get("valueFrom", {}):
            ref = item["valueFrom"]["configMapKeyRef"]
            env[item["name"]] = configmaps[ref["name"]][ref["key"]]
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            if ref["key"] in secret_values:
                env[item["name"]] = secret_values[ref["key"]]
            elif not ref.get("optional"):
                raise KeyError(f"{workload['metadata']['name']}: Secret key {ref['key']} not set")
    return env
