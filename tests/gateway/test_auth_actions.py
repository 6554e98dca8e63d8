"""The `auth` fixture of tests/gateway/conftest.py against the real accounts
service: an enterprise logs in on the portal and out again, staff on the
console; after 退出 the pages ask for a login again."""
import pytest

from services.accounts.service import AccountsService
from services.common import contracts as c
from tests.accounts.helpers import create_staff, register_via_gateway


@pytest.fixture
def services_config(config, tmp_path):
    return {**config, c.ENV_BLOB_DIR: str(tmp_path / "blobs")}


@pytest.fixture
def accounts(container_factory, services_config):
    container = container_factory(AccountsService, services_config)
    container.start()
    return container


def test_an_enterprise_logs_in_and_out_on_the_portal(accounts, services_config, client, auth):
    data = register_via_gateway(client, services_config)
    assert client.get("/center").status_code == 302  # registered, not logged in

    auth.login(data["username"])
    center = client.get("/center")
    assert center.status_code == 200 and data["name"] in center.get_data(as_text=True)

    assert auth.logout().headers["Location"] == "/"
    assert client.get("/center").headers["Location"] == "/login?next=/center"


def test_staff_log_in_and_out_on_the_console(accounts, services_config, client, auth):
    create_staff(services_config, "authadmin", name="王管理")
    auth.staff_login("authadmin")
    assert client.get("/console/staff").status_code == 200

    assert auth.staff_logout().headers["Location"] == "/console/login"
    assert client.get("/console/staff").headers["Location"].startswith("/console/login")


def test_a_wrong_password_does_not_log_in(accounts, services_config, auth):
    create_staff(services_config, "authrev", kind=c.REVIEWER, level=c.COUNTY, region="320102")
    with pytest.raises(AssertionError):
        auth.staff_login("authrev", "Wrong-passw0rd")
