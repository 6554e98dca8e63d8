"""The orchestrators' health probe (`python -m services.common.probe`): exit 0
when the service answers its health RPC, 1 when no instance does or the
broker cannot be reached."""
import pytest

from services.common import contracts as c
from services.common import probe
from services.tenants.service import TenantsService


@pytest.fixture
def broker(monkeypatch, config):
    monkeypatch.setenv(c.ENV_AMQP_URI, config["AMQP_URI"])
    return config


def test_a_running_service_is_healthy(container_factory, broker, capsys):
    container = container_factory(TenantsService, broker)
    container.start()
    assert probe.main([c.TENANTS, "--timeout", "5"]) == 0
    assert "tenants: ok" in capsys.readouterr().out


def test_a_service_that_does_not_run_is_unhealthy(broker, capsys):
    assert probe.main([c.TENANTS, "--timeout", "1"]) == 1
    assert "unhealthy" in capsys.readouterr().err


def test_an_unreachable_broker_is_unhealthy(monkeypatch, capsys):
    monkeypatch.setenv(c.ENV_AMQP_URI, "amqp://guest:guest@127.0.0.1:1/")
    assert probe.main([c.ACCOUNTS, "--timeout", "1"]) == 1
    assert "unhealthy" in capsys.readouterr().err


def test_only_known_services_can_be_probed():
    with pytest.raises(SystemExit):
        probe.main(["billing"])


def test_production_with_development_secrets_is_unhealthy(container_factory, broker, monkeypatch, capsys):
    container = container_factory(TenantsService, broker)
    container.start()
    monkeypatch.setenv(c.ENV_APP_ENV, "production")
    monkeypatch.delenv(c.ENV_PRINCIPAL_SECRET, raising=False)
    monkeypatch.delenv(c.ENV_SECRET_KEY, raising=False)  # services never get the gateway's
    assert probe.main([c.TENANTS]) == 1
    assert "PRINCIPAL_SECRET" in capsys.readouterr().err


def test_production_with_its_own_principal_secret_is_healthy(container_factory, broker, monkeypatch):
    secret = "a-real-secret-of-its-own"
    container = container_factory(TenantsService, {**broker, c.ENV_PRINCIPAL_SECRET: secret})
    container.start()
    monkeypatch.setenv(c.ENV_APP_ENV, "production")
    monkeypatch.setenv(c.ENV_PRINCIPAL_SECRET, secret)
    monkeypatch.setenv(c.service_database_env(c.TENANTS), broker[c.ENV_DATABASE_URL])
    monkeypatch.delenv(c.ENV_SECRET_KEY, raising=False)
    monkeypatch.delenv(c.ENV_SYSTEM_PRINCIPAL_SECRET, raising=False)
    assert probe.main([c.TENANTS]) == 1  # without a system-principal key of its own
    monkeypatch.setenv(c.ENV_SYSTEM_PRINCIPAL_SECRET, "the-services-own-secret")
    assert probe.main([c.TENANTS]) == 0


def test_production_without_a_postgresql_database_is_unhealthy(container_factory, broker, monkeypatch, capsys):
    container = container_factory(TenantsService, broker)
    container.start()
    monkeypatch.setenv(c.ENV_APP_ENV, "production")
    monkeypatch.setenv(c.ENV_PRINCIPAL_SECRET, "a-real-secret-of-its-own")
    monkeypatch.delenv(c.service_database_env(c.TENANTS), raising=False)
    monkeypatch.delenv(c.ENV_DATABASE_URL, raising=False)
    assert probe.main([c.TENANTS]) == 1
    assert "TENANTS_DATABASE_URL" in capsys.readouterr().err
