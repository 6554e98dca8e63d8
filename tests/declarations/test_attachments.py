"""附件: checked by content, limited by the batch, reachable by the owner and
reviewers in scope (real PostgreSQL)."""
import pytest

from services.common import blobs
from services.common import contracts
from services.common.errors import BadState, NotFound, ValidationFailed
from services.declarations import attachments, submission, views
from tests.declarations.helpers import OTHER_REGION, REGION, TOTALS, enterprise, reviewer
from tests.support.web import png_bytes
from tests.declarations.on_database import Outbox, fill
from tests.declarations.on_database import batch, session, started  # noqa: F401 (fixtures)


# --- attachments --------------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    return blobs.LocalBlobStore(tmp_path)


def test_attachments_are_checked_by_content_and_reachable_by_owner_and_reviewers_in_scope(session, started, store):
    ent, did = started
    key = blobs.temp_key(ent)
    store.put(key, b"%PDF-1.4 minimal")
    a = attachments.add(session, store, ent, did, "申请报告", key, "../../申请报告.pdf")
    assert a["content_type"] == "application/pdf" and a["filename"] == "申请报告.pdf"
    assert not store.exists(key)
    got = attachments.for_download(session, ent, a["id"])
    assert store.get(got["blob_key"]) == b"%PDF-1.4 minimal"

    key = blobs.temp_key(ent)
    store.put(key, png_bytes((8, 8)))
    image = attachments.add(session, store, ent, did, "营业执照或法人证书", key, "licence.png")
    assert image["content_type"] == "image/png"

    key = blobs.temp_key(ent)
    store.put(key, b"MZ\x90\x00 not a document")
    with pytest.raises(ValidationFailed) as err:
        attachments.add(session, store, ent, did, "申请报告", key, "report.pdf")
    assert "只能上传PDF文件或图片" in err.value.errors["file"]
    assert not store.exists(key)

    with pytest.raises(NotFound):
        attachments.for_download(session, enterprise("ent-2"), a["id"])
    with pytest.raises(NotFound):
        attachments.for_download(session, reviewer(contracts.COUNTY, REGION), a["id"])  # a draft
    attachments.delete(session, store, ent, image["id"])
    assert [x["id"] for x in views.get(session, ent, did)["attachments"]] == [a["id"]]

    # once submitted: the county of its region reads it, another county does not
    fill(session, ent, did)
    assert submission.submit(session, ent, did, TOTALS, Outbox())["submitted"]
    assert attachments.for_download(session, reviewer(contracts.COUNTY, REGION), a["id"])["blob_key"]
    with pytest.raises(NotFound):
        attachments.for_download(session, reviewer(contracts.COUNTY, OTHER_REGION), a["id"])
    with pytest.raises(BadState):
        attachments.delete(session, store, ent, a["id"])


def test_an_attachment_over_the_batchs_limit_is_refused(session, started, store):
    ent, did = started
    key = blobs.temp_key(ent)
    store.put(key, b"%PDF-" + b"0" * (5 * 1024 * 1024))
    with pytest.raises(ValidationFailed) as err:
        attachments.add(session, store, ent, did, "申请报告", key, "big.pdf")
    assert "5MB" in err.value.errors["file"]
