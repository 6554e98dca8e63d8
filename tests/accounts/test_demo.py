"""Demo staff: seeded once in development, never tolerated in production."""
import pytest
from sqlalchemy.orm import Session

from services.accounts import demo, login
from services.common import contracts as c

PRODUCTION = {
    c.ENV_APP_ENV: "production",
    c.ENV_SECRET_KEY: "a-real-secret-for-sessions",
    c.ENV_PRINCIPAL_SECRET: "a-real-secret-for-principals",
    c.ENV_SYSTEM_PRINCIPAL_SECRET: "a-real-secret-for-system-principals",
    c.ENV_SMS_PROVIDER: "http",
}


def test_seed_is_idempotent_and_the_printed_passwords_work(config, db_engine):
    first = demo.seed(config)
    second = demo.seed(config)
    assert first == second
    assert {p["username"] for p in first} == set(demo.DEMO_USERNAMES)
    levels = {p["level"] for p in first if p["kind"] == c.REVIEWER}
    assert levels == set(c.LEVELS)
    with Session(db_engine(c.ACCOUNTS)) as session:
        assert demo.present(session) == sorted(demo.DEMO_USERNAMES)
        for person in first:
            account = login.authenticate(session, person["username"], person["password"], (person["kind"],))
            assert account.username == person["username"]
            assert account.level == person["level"] and account.region_code == person["region_code"]


def test_seeding_is_refused_in_production(config):
    with pytest.raises(RuntimeError):
        demo.seed({**config, **PRODUCTION})


def test_production_refuses_while_demo_accounts_exist(config):
    production = {**config, **PRODUCTION}
    assert demo.production_problems(production) == []
    demo.seed(config)
    problems = demo.production_problems(production)
    assert len(problems) == 1 and "demo_admin" in problems[0]
    assert sorted(demo.remove(config)) == sorted(demo.DEMO_USERNAMES)
    assert demo.production_problems(production) == []


def test_production_with_development_secrets_is_refused(config):
    problems = demo.production_problems({**config, c.ENV_APP_ENV: "production"})
    assert any(c.ENV_PRINCIPAL_SECRET in p for p in problems)
    # SECRET_KEY is the gateway's: the accounts container never gets it.
    assert not any(c.ENV_SECRET_KEY + " " in p for p in problems)


def test_the_accounts_service_does_not_start_in_production_with_demo_accounts(config, container_factory):
    from services.accounts.service import AccountsService

    demo.seed(config)
    container = container_factory(AccountsService, {**config, **PRODUCTION})
    with pytest.raises(RuntimeError) as err:
        container.start()
    assert "演示账号" in str(err.value)
