"""Short intake links (what the QR code encodes) on the real broker and
database: an opaque 128-bit id looked up by the service, ended by revoking or
renewing the link and by its expiry, while the signed links keep working."""
import datetime as dt

import pytest
from sqlalchemy import text

from services.common import contracts as c
from services.common.errors import BadState, Forbidden, NotFound, Unauthenticated
from services.tenants import links
from tests.tenants.helpers import BASE_NAME, CLOSES, DECL, OTHER, REVIEWER, new_device, proxy


def test_a_short_id_opens_the_current_link_until_it_is_revoked(owner, tenant, token):
    short = owner.short_link(DECL)
    assert short["url_path"] == "/q/" + short["short_id"]
    assert len(links._unb64(short["short_id"])) == 16  # 128 random bits
    assert owner.short_link(DECL) == short  # one per version of the link
    opened = tenant.resolve_short(short["short_id"])
    assert opened["token"] == token and opened["url_path"] == f"/intake/{token}"
    assert tenant.intake_context(opened["token"], new_device())["intake_open"] is True

    owner.revoke_link(DECL)
    with pytest.raises(BadState) as err:
        tenant.resolve_short(short["short_id"])
    assert err.value.message == links.REVOKED_MESSAGE

    fresh = owner.open_link(DECL, BASE_NAME, CLOSES)
    renewed = owner.short_link(DECL)
    assert renewed["short_id"] != short["short_id"]
    assert tenant.resolve_short(renewed["short_id"])["token"] == fresh["token"]
    with pytest.raises(BadState):
        tenant.resolve_short(short["short_id"])  # the old code stays dead


def test_unknown_malformed_and_expired_short_ids_are_refused(owner, tenant, token, db_engine):
    short = owner.short_link(DECL)["short_id"]
    for wrong in ("A" * 22, "nonsense", short[:-1], short + "x", "../" + short[3:]):
        with pytest.raises(NotFound):
            tenant.resolve_short(wrong)
    with db_engine(c.TENANTS).begin() as conn:
        conn.execute(text("UPDATE intake_links SET expires_at = now() - interval '1 minute'"))
    with pytest.raises(BadState) as err:
        tenant.resolve_short(short)
    assert err.value.message == links.EXPIRED_MESSAGE


def test_only_the_owner_gets_a_short_id(owner, tenant, token, config):
    with pytest.raises(Unauthenticated):
        tenant.short_link(DECL)
    with proxy(config, REVIEWER) as reviewer, pytest.raises(Forbidden):
        reviewer.short_link(DECL)
    with proxy(config, OTHER) as other, pytest.raises(NotFound):
        other.short_link(DECL)
