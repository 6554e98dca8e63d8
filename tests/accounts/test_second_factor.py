"""两步验证 of staff on the real accounts service, RabbitMQ and PostgreSQL:
enrolment forced at login where required and offered elsewhere, TOTP codes
counted once, recovery codes usable once, a challenge that ends after five
wrong codes, an admin's reset; secrets encrypted and codes hashed at rest."""
import datetime as dt

import pyotp
import pytest
from sqlalchemy import text

from gateway.rpc import RpcClient
from services.accounts import second_factor
from services.accounts.service import AccountsService
from services.common import contracts as c
from services.common.errors import BadState, Forbidden, Unauthenticated
from services.common.principal import Principal
from tests.accounts.helpers import PASSWORD, create_staff


def start(container_factory, config, required):
    conf = {**config, c.ENV_STAFF_TOTP_REQUIRED: required}
    container = container_factory(AccountsService, conf)
    container.start()
    return conf


@pytest.fixture
def client(config):
    client = RpcClient(config)
    yield client
    client.close()


def login(client, username):
    return client.call(c.ACCOUNTS, "login", username, PASSWORD, "staff", "10.0.0.1")


def later(secret, steps=1):
    """The code the app shows `steps` time steps from now."""
    return pyotp.TOTP(secret).at(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=30 * steps))


def test_an_admin_must_enrol_at_login_and_then_give_a_code_each_time(container_factory, config, client, db_engine):
    start(container_factory, config, "admin")
    create_staff(config, "tfa_admin", kind=c.ADMIN)

    first = login(client, "tfa_admin")
    assert first["second_factor"] == "enrol" and "token" not in first
    assert first["outcome"] == second_factor.OUTCOME_ENROL_REQUIRED
    enrolment = client.call(c.ACCOUNTS, "challenge_enrolment", first["challenge"])
    secret = enrolment["secret"]
    assert enrolment["uri"].startswith("otpauth://totp/") and "tfa_admin" in enrolment["uri"]
    with pytest.raises(Unauthenticated, match="验证码不正确"):
        client.call(c.ACCOUNTS, "confirm_challenge_enrolment", first["challenge"], "000000")
    done = client.call(c.ACCOUNTS, "confirm_challenge_enrolment", first["challenge"], pyotp.TOTP(secret).now())
    assert done["outcome"] == second_factor.OUTCOME_ENROLLED and len(done["recovery_codes"]) == 10
    assert client.call(c.ACCOUNTS, "resolve_session", done["token"])["principal"]["kind"] == c.ADMIN
    # The challenge is used up.
    with pytest.raises(Unauthenticated, match="重新登录"):
        client.call(c.ACCOUNTS, "confirm_challenge_enrolment", first["challenge"], pyotp.TOTP(secret).now())

    # At rest: the secret encrypted, the recovery codes hashed.
    with db_engine(c.ACCOUNTS).connect() as conn:
        sealed = conn.execute(text("SELECT totp_secret FROM accounts WHERE username = 'tfa_admin'")).scalar()
        hashes = conn.execute(text("SELECT code_hash FROM recovery_codes")).scalars().all()
    assert sealed and secret not in sealed
    assert len(hashes) == 10 and not any(code.replace("-", "") in "".join(hashes) for code in done["recovery_codes"])

    # Every later login asks for a code; a code counts once.
    second = login(client, "tfa_admin")
    assert second["second_factor"] == "totp" and "token" not in second
    code = later(secret)
    with pytest.raises(Unauthenticated, match="验证码错误"):
        client.call(c.ACCOUNTS, "verify_second_factor", second["challenge"], "123456" if code != "123456" else "654321")
    ok = client.call(c.ACCOUNTS, "verify_second_factor", second["challenge"], code)
    assert ok["outcome"] == second_factor.OUTCOME_TOTP_OK and ok["token"]
    third = login(client, "tfa_admin")
    with pytest.raises(Unauthenticated, match="已使用"):
        client.call(c.ACCOUNTS, "verify_second_factor", third["challenge"], code)

    # A recovery code (typed in capitals, without the dash) works once.
    recovery = done["recovery_codes"][0]
    ok = client.call(c.ACCOUNTS, "verify_second_factor", third["challenge"], recovery.replace("-", "").upper())
    assert ok["outcome"] == second_factor.OUTCOME_RECOVERY_OK
    fourth = login(client, "tfa_admin")
    with pytest.raises(Unauthenticated, match="验证码错误"):
        client.call(c.ACCOUNTS, "verify_second_factor", fourth["challenge"], recovery)
    me = Principal(c.ADMIN, ok["account"]["id"])
    assert client.call(c.ACCOUNTS, "second_factor_status", principal=me)["recovery_codes_left"] == 9


def test_five_wrong_codes_end_the_challenge(container_factory, config, client, db_engine):
    start(container_factory, config, "admin")
    create_staff(config, "tfa_guess", kind=c.ADMIN)
    first = login(client, "tfa_guess")
    secret = client.call(c.ACCOUNTS, "challenge_enrolment", first["challenge"])["secret"]
    client.call(c.ACCOUNTS, "confirm_challenge_enrolment", first["challenge"], pyotp.TOTP(secret).now())
    challenge = login(client, "tfa_guess")["challenge"]
    right = later(secret)
    wrong = [f"{n:06d}" for n in range(10) if f"{n:06d}" != right][:5]
    for code in wrong:
        with pytest.raises(Unauthenticated, match="验证码错误"):
            client.call(c.ACCOUNTS, "verify_second_factor", challenge, code)
    with pytest.raises(Unauthenticated, match="重新登录"):
        client.call(c.ACCOUNTS, "verify_second_factor", challenge, right)
    # Housekeeping drops such half-done logins a day on.
    from services.accounts import retention

    engine = db_engine(c.ACCOUNTS)
    assert retention.drop_stale_challenges(engine) == 0
    later_day = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1, minutes=1)
    assert retention.drop_stale_challenges(engine, now=later_day) == 2  # the enrolment and the code


def test_in_development_enrolment_is_offered_not_forced_and_an_admin_can_reset_it(container_factory, config, client):
    start(container_factory, config, "")
    create_staff(config, "tfa_county", kind=c.REVIEWER, level=c.COUNTY, region="320102")
    create_staff(config, "tfa_boss", kind=c.ADMIN)
    plain = login(client, "tfa_county")
    assert plain["token"] and plain["outcome"] == second_factor.OUTCOME_PASSWORD_ONLY
    me = Principal(c.REVIEWER, plain["account"]["id"], "320102", c.COUNTY)
    status = client.call(c.ACCOUNTS, "second_factor_status", principal=me)
    assert status == {"enrolled": False, "enrolled_at": None, "required": False, "recovery_codes_left": 0}

    secret = client.call(c.ACCOUNTS, "begin_second_factor", principal=me)["secret"]
    codes = client.call(c.ACCOUNTS, "confirm_second_factor", pyotp.TOTP(secret).now(), principal=me)["recovery_codes"]
    assert len(codes) == 10
    assert client.call(c.ACCOUNTS, "second_factor_status", principal=me)["enrolled"] is True
    with pytest.raises(BadState):
        client.call(c.ACCOUNTS, "begin_second_factor", principal=me)
    assert login(client, "tfa_county")["second_factor"] == "totp"

    # A reviewer may not reset anyone's; an admin resets it (a lost phone):
    # every session ends, the next login is by password again.
    with pytest.raises(Forbidden):
        client.call(c.ACCOUNTS, "reset_second_factor", me.id, principal=me)
    boss = Principal(c.ADMIN, login(client, "tfa_boss")["account"]["id"])
    waiting = login(client, "tfa_county")["challenge"]  # a login half done when the reset comes
    client.call(c.ACCOUNTS, "reset_second_factor", me.id, principal=boss)
    with pytest.raises(Unauthenticated, match="重新登录"):
        client.call(c.ACCOUNTS, "verify_second_factor", waiting, later(secret))
    assert client.call(c.ACCOUNTS, "resolve_session", plain["token"]) is None
    assert login(client, "tfa_county")["token"]


def test_reviewers_are_required_when_configured_and_admins_always_in_production():
    assert second_factor.required_kinds({c.ENV_STAFF_TOTP_REQUIRED: "admin,reviewer"}) == {c.ADMIN, c.REVIEWER}
    assert second_factor.required_kinds({c.ENV_APP_ENV: "development"}) == frozenset()
    production = {c.ENV_APP_ENV: "production"}
    assert second_factor.required_kinds(production) == {c.ADMIN}
    assert second_factor.required_kinds({**production, c.ENV_STAFF_TOTP_REQUIRED: "reviewer"}) == {c.ADMIN, c.REVIEWER}
    with pytest.raises(ValueError):
        second_factor.required_kinds({c.ENV_STAFF_TOTP_REQUIRED: "everyone"})


def test_a_secret_sealed_with_one_key_does_not_open_with_another():
    one = second_factor.Keys({c.ENV_TOTP_KEY: "11" * 32})
    other = second_factor.Keys({c.ENV_TOTP_KEY: "22" * 32})
    sealed = one.seal("JBSWY3DPEHPK3PXP")
    assert one.open(sealed) == "JBSWY3DPEHPK3PXP" and "JBSWY3DPEHPK3PXP" not in sealed
    with pytest.raises(BadState):
        other.open(sealed)
    with pytest.raises(ValueError):
        second_factor.Keys({c.ENV_TOTP_KEY: "short"})
