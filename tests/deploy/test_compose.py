"""deploy/compose.yaml, checked without a Docker engine: valid by the Compose
specification's schema (vendored from the check-jsonschema package, see
compose-spec.LICENSE), the settings it sets are the ones the code reads, the
ones production needs are set and have no insecure defaults, and the
commands it runs exist."""
import json
import re
from pathlib import Path

import jsonschema
import pytest

from services.common import config as cfg
from services.common import contracts as c
from tests.deploy import deployfiles as d

HERE = Path(__file__).parent
INFRA = ("rabbitmq", "postgres", "seaweedfs", "proxy")
SECRETS = ("SECRET_KEY", "PRINCIPAL_SECRET", "RABBITMQ_PASSWORD", "POSTGRES_PASSWORD", "S3_PASSWORD",
           "SMS_APP_SECRET") + tuple(f"{s.upper()}_DB_PASSWORD" for s in c.SERVICES)


@pytest.fixture(scope="module")
def compose():
    return d.load()


@pytest.fixture(scope="module")
def apps(compose):
    """The containers of our image (services, gateway, setup job)."""
    return {name: spec for name, spec in compose["services"].items() if name not in INFRA}


def test_the_file_is_valid_by_the_compose_specification(compose):
    schema = json.loads((HERE / "compose-spec.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_check_catches_a_mistake(compose):
    schema = json.loads((HERE / "compose-spec.json").read_text(encoding="utf-8"))
    broken = json.loads(json.dumps(compose))
    broken["services"]["gateway"]["depends_on"]["setup"]["condition"] = "service_finished"
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(broken))


def test_the_system_has_every_service_the_gateway_a_setup_job_and_the_infrastructure(compose, apps):
    assert set(apps) == set(c.SERVICES) | {"gateway", "setup"}
    assert set(INFRA) <= set(compose["services"])
    # RabbitMQ 4.x (3.13 is past community support), with its management UI.
    image = compose["services"]["rabbitmq"]["image"]
    assert re.fullmatch(r"rabbitmq:4\.\d+\.\d+-management", image), image
    # A maintained S3-compatible store, not the archived MinIO community edition.
    assert compose["services"]["seaweedfs"]["image"].startswith("chrislusf/seaweedfs:")
    assert not any("minio" in spec["image"] for spec in compose["services"].values() if "image" in spec)


def test_images_are_pinned(compose):
    for name, spec in compose["services"].items():
        image = spec["image"]
        if name in INFRA:
            tag = image.rsplit(":", 1)[1]
            assert tag != "latest" and re.search(r"\d+\.\d+|RELEASE\.\d{4}", tag), image
        else:
            assert spec["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}


@pytest.mark.parametrize("service", c.SERVICES)
def test_each_service_runs_its_nameko_class_and_is_health_checked(apps, service):
    spec = apps[service]
    target = d.nameko_target(spec["command"])
    assert target == c.SERVICE_CLASSES[service]
    classes = d.service_classes(target)
    assert [cls.name for cls in classes] == [service]
    # A cheap check: one HTTP GET of the process's own /readyz on its
    # METRICS_PORT, no import of the system's code, no broker round trip of
    # its own (tests/deploy/test_one_host.py runs it against a started service).
    check = spec["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python", "-c"] and len(check) == 4, check
    assert "/readyz" in check[3] and "METRICS_PORT" in check[3], check
    assert "services" not in check[3] and "nameko" not in check[3], check
    assert d.container_env(d.environment(spec))[c.ENV_METRICS_PORT]


def test_services_start_after_the_setup_job_completed(apps):
    setup = apps["setup"]
    assert setup["restart"] == "no"
    command = " ".join(setup["command"])
    assert "python -m services.common.setup" in command
    assert "python -m services.common.blobs ensure" in command
    for dep in ("rabbitmq", "postgres", "seaweedfs"):
        assert setup["depends_on"][dep]["condition"] == "service_healthy"
    for name in c.SERVICES + ("gateway",):
        assert apps[name]["depends_on"]["setup"]["condition"] == "service_completed_successfully"


def test_the_gateway_runs_under_gunicorn_threads_on_port_8000(apps):
    from flask import Flask

    gateway = apps["gateway"]
    command = gateway["command"]
    assert command[0] == "gunicorn" and "--worker-class=gthread" in command
    assert "--bind=0.0.0.0:8000" in command
    assert isinstance(d.wsgi_app(command[-1]), Flask)
    # Not published: reached through the proxy only, whose address it trusts.
    assert "ports" not in gateway
    assert d.environment(gateway)[c.ENV_TRUSTED_PROXIES] == "1"
    for service in c.SERVICES:
        assert gateway["depends_on"][service]["condition"] == "service_healthy"
    assert "/healthz" in " ".join(gateway["healthcheck"]["test"])


def test_every_long_running_container_is_health_checked(compose):
    for name, spec in compose["services"].items():
        if name != "setup":
            assert spec.get("healthcheck", {}).get("test"), name


def test_data_lives_in_named_volumes(compose):
    mounts = {
        "postgres": "/var/lib/postgresql/data",
        "rabbitmq": "/var/lib/rabbitmq",
        "seaweedfs": "/data",
    }
    for service, target in mounts.items():
        volumes = compose["services"][service]["volumes"]
        named = [v.split(":")[0] for v in volumes if v.split(":")[1] == target]
        assert named and named[0] in compose["volumes"], service


def test_every_setting_it_sets_is_one_the_code_reads(apps):
    known = d.known_settings()
    for name, spec in apps.items():
        unknown = set(d.environment(spec)) - known
        assert not unknown, f"{name} sets {sorted(unknown)}, which nothing reads"


def test_production_needs_are_met(apps):
    for name, spec in apps.items():
        env = d.environment(spec)
        assert env[c.ENV_APP_ENV] == "production", name
        assert env[c.ENV_AMQP_URI].startswith("amqp://"), name
        assert cfg.blob_backend(env) == "s3"
        assert all(cfg.s3_settings(env).values()), name
        assert env[c.ENV_EVENT_QUEUE_TYPE] == "quorum", name
    notify = d.environment(apps["notify"])
    assert notify[c.ENV_SMS_PROVIDER] == "http"
    assert all(notify[n] for n in (c.ENV_SMS_HTTP_URL, c.ENV_SMS_APP_KEY, c.ENV_SMS_APP_SECRET))


def test_the_proxy_is_the_only_way_in_and_sets_the_forwarded_address(compose):
    proxy = compose["services"]["proxy"]
    assert proxy["ports"] == ["8000:8080"]
    assert "./proxy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert proxy["depends_on"]["gateway"]["condition"] == "service_healthy"
    conf = (d.ROOT / "deploy" / "proxy" / "nginx.conf").read_text(encoding="utf-8")
    assert "server gateway:8000;" in conf
    # Replaced, never appended to: a client's own X-Forwarded-For is dropped.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "$proxy_add_x_forwarded_for" not in conf
    published = [name for name, spec in compose["services"].items()
                 for port in spec.get("ports", []) if not str(port).startswith("127.0.0.1:")]
    assert published == ["proxy"]


def test_each_service_reaches_only_its_own_database(apps):
    database_envs = {c.service_database_env(s) for s in c.SERVICES}
    for name, spec in apps.items():
        env = d.environment(spec)
        assert c.ENV_DATABASE_URL not in env, name
        given = set(env) & database_envs
        if name == "setup":
            assert given == database_envs
        elif name == "gateway":
            assert given == set()  # the gateway owns no data
        else:
            assert given == {c.service_database_env(name)}
            url = env[c.service_database_env(name)]
            assert url.startswith(f"postgresql://{name}:") and url.endswith(f"@postgres:5432/{name}")
    assert c.ENV_SECRET_KEY not in d.environment(apps["accounts"])  # the gateway's alone


@pytest.mark.parametrize("secret", SECRETS)
def test_no_secret_has_a_default(secret):
    env = d.sample_env()
    del env[secret]
    with pytest.raises(d.MissingVariable, match=secret):
        d.load(env)
    env[secret] = ""
    with pytest.raises(d.MissingVariable, match=secret):
        d.load(env)


def test_env_example_names_every_variable_the_file_requires():
    required = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*):\?", d.COMPOSE_FILE.read_text(encoding="utf-8")))
    example = set(d.env_example_names())
    assert required <= example
    assert set(SECRETS) <= required
    for line in d.ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            assert line.endswith("="), f"env.example must not carry a value: {line}"


def test_postgres_init_creates_one_database_per_service(compose):
    script = (d.ROOT / "deploy" / "postgres-init" / "10-service-databases.sh").read_text(encoding="utf-8")
    listed = re.search(r"^for service in (.+); do$", script, re.M).group(1).split()
    assert listed == list(c.SERVICES)
    postgres = compose["services"]["postgres"]
    assert "./postgres-init:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
    env = d.environment(postgres)
    for service in c.SERVICES:
        assert env[f"{service.upper()}_DB_PASSWORD"]
    assert (d.ROOT / "deploy" / "postgres-init" / "10-service-databases.sh").stat().st_mode & 0o111


def test_interpolation_follows_the_specification():
    env = {"SET": "v", "EMPTY": ""}
    assert d.interpolate_text("${SET:-x} ${EMPTY:-x} ${UNSET:-x} ${EMPTY-x} $$SET $SET", env) == "v x x  $SET v"
    with pytest.raises(d.MissingVariable):
        d.interpolate_text("${EMPTY:?needed}", env)
    assert d.interpolate_text("${EMPTY?needed}", env) == ""
