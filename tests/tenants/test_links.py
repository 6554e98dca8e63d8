"""Intake-link tokens: signed, bound to a declaration, expiring with the batch."""
import datetime as dt

import pytest

from services.common import contracts as c
from services.common import principal as principals
from services.common.errors import BadState, NotFound
from services.tenants import links

UTC = dt.timezone.utc
FUTURE = dt.datetime.now(UTC) + dt.timedelta(days=30)


def test_a_signed_token_reads_back_its_claims():
    token = links.sign("decl-1", 3, "nonce-abc", FUTURE)
    claims = links.read(token)
    assert claims["declaration_id"] == "decl-1"
    assert claims["serial"] == 3 and claims["nonce"] == "nonce-abc"
    assert claims["expires_at"] == FUTURE.replace(microsecond=0)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:5] + ("A" if t[5] != "A" else "B") + t[6:],  # the claims
        lambda t: t[:-3] + ("A" if t[-3] != "A" else "B") + t[-2:],  # the signature
        lambda t: t.split(".")[0],  # no signature
        lambda t: "",
        lambda t: "../../etc/passwd",
    ],
)
def test_a_tampered_token_is_refused(tamper):
    token = links.sign("decl-1", 1, "n", FUTURE)
    with pytest.raises(NotFound) as err:
        links.read(tamper(token))
    assert err.value.message == links.INVALID_MESSAGE


def test_a_token_signed_with_another_secret_is_refused():
    token = links.sign("decl-1", 1, "n", FUTURE, config={c.ENV_PRINCIPAL_SECRET: "another"})
    with pytest.raises(NotFound):
        links.read(token)


def test_a_token_past_the_batch_closing_is_refused():
    token = links.sign("decl-1", 1, "n", FUTURE)
    with pytest.raises(BadState) as err:
        links.read(token, now=FUTURE + dt.timedelta(seconds=1))
    assert "已截止" in err.value.message


def test_a_principal_token_is_not_a_link_token_and_the_other_way_round():
    principal_token = principals.sign(principals.Principal(kind=c.ENTERPRISE, id="e1"))
    with pytest.raises(NotFound):
        links.read(principal_token)
    link_token = links.sign("decl-1", 1, "n", FUTURE)
    with pytest.raises(Exception):
        principals.verify(link_token)


def test_a_closing_day_means_the_end_of_that_day_in_beijing():
    moment = links.parse_closing("2026-12-31")
    assert moment == dt.datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC)
    assert links.parse_closing("2026-12-31T10:00:00+08:00") == dt.datetime(2026, 12, 31, 2, 0, tzinfo=UTC)
    assert links.parse_closing("2026-12-31T10:00:00") == dt.datetime(2026, 12, 31, 2, 0, tzinfo=UTC)
    assert links.parse_closing(None) is None
    with pytest.raises(BadState):
        links.parse_closing("next friday")
