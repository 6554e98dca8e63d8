"""The system-principal key in the deploy files: every service container
gets SYSTEM_PRINCIPAL_SECRET (required, no default), the gateway never; the
previous keys of a rotation are optional everywhere they are read; each
container's settings pass the guard it starts with."""
import pytest

from services.common import config as cfg
from services.common import contracts as c
from tests.deploy import deployfiles as d
from tests.deploy.fixtures import container, objects


ROTATION = {c.ENV_PRINCIPAL_SECRET_PREVIOUS, c.ENV_SYSTEM_PRINCIPAL_SECRET_PREVIOUS}


def test_compose_gives_the_system_key_to_the_services_only():
    apps = d.load()["services"]
    for name in c.SERVICES:
        env = d.environment(apps[name])
        assert env[c.ENV_SYSTEM_PRINCIPAL_SECRET] not in (None, "", cfg.DEV_SYSTEM_SECRET), name
        assert cfg.service_secret_problems(env) == [], name
    gateway = d.environment(apps["gateway"])
    assert c.ENV_SYSTEM_PRINCIPAL_SECRET not in gateway
    assert not cfg.gateway_holds_system_secret(gateway)
    assert cfg.gateway_problems(gateway) == []


def test_compose_refuses_to_start_without_the_system_key():
    env = d.sample_env()
    del env[c.ENV_SYSTEM_PRINCIPAL_SECRET]
    with pytest.raises(d.MissingVariable, match=c.ENV_SYSTEM_PRINCIPAL_SECRET):
        d.load(env)
    assert c.ENV_SYSTEM_PRINCIPAL_SECRET in d.env_example_names()


def test_kubernetes_mounts_the_system_key_in_the_services_only():
    deployments = objects("Deployment")
    secret = objects("Secret")["sme-secrets"]["stringData"]
    assert {c.ENV_SYSTEM_PRINCIPAL_SECRET} | ROTATION <= set(secret)
    for name in c.SERVICES:
        env = {e["name"]: e for e in container(deployments[name])["env"]}
        assert c.ENV_SYSTEM_PRINCIPAL_SECRET in env, name
        assert not env[c.ENV_SYSTEM_PRINCIPAL_SECRET]["valueFrom"]["secretKeyRef"].get("optional"), name
        for previous in ROTATION:
            assert env[previous]["valueFrom"]["secretKeyRef"]["optional"] is True, (name, previous)
    gateway = {e["name"] for e in container(deployments["gateway"])["env"]}
    assert c.ENV_SYSTEM_PRINCIPAL_SECRET not in gateway and c.ENV_SYSTEM_PRINCIPAL_SECRET_PREVIOUS not in gateway
    assert c.ENV_PRINCIPAL_SECRET_PREVIOUS in gateway
