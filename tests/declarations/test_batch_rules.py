"""申报批次 as the admin saves them and the demo batch (real PostgreSQL)."""
import pytest

from services.common.errors import Forbidden, ValidationFailed
from services.declarations import batches
from tests.declarations.helpers import ADMIN, batch_form, enterprise
from tests.declarations.on_database import session  # noqa: F401 (fixtures)


# --- batches -----------------------------------------------------------------


def test_only_an_admin_saves_a_batch_and_its_dates_are_checked(session):
    with pytest.raises(Forbidden):
        batches.save_batch(session, enterprise(), batch_form())
    with pytest.raises(ValidationFailed) as err:
        batches.save_batch(session, ADMIN, batch_form(closes_on="2020-01-01", opens_on="2020-02-01"))
    assert "截止日期不能早于开始日期" in err.value.errors["closes_on"]
    b = batches.save_batch(session, ADMIN, batch_form(min_partners="3", required_attachments=["申请报告"]))
    assert b["thresholds"] == {"min_partners": 3}
    assert b["required_attachments"] == ["申请报告"]
    assert b["closes_at"].endswith("15:59:59+00:00") and b["closes_on"] == batch_form()["closes_on"]


def test_the_demo_batch_is_open_only_warns_and_is_seeded_once(session):
    first, created = batches.seed_demo_batch(session)
    again, created_again = batches.seed_demo_batch(session)
    assert created and not created_again and first["id"] == again["id"]
    assert first["thresholds_block"] is False and first["thresholds"]
    assert [b["id"] for b in batches.list_batches(session, only_open=True)] == [first["id"]]
