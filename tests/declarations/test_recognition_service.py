"""公示 and 认定 on the real RabbitMQ and PostgreSQL: review's events reach
declarations, the enterprise sees 公示中 with the period, then 已认定 with
文号, 证书编号 and 有效期; the printed 认定证书 is an A4 PDF whose QR code
opens the public verification of the recognition; a 复核 batch starts from
the recognised declaration."""
import pytest

from services.common import contracts as c
from services.common.errors import BadState, NotFound
from services.declarations import sections as s
from tests.declarations.helpers import ADMIN, batch_form, enterprise
from tests.declarations.printing_fixtures import config  # noqa: F401 (PUBLIC_BASE_URL and the blob store)
from tests.declarations.printing_fixtures import printed
from tests.declarations.fixtures import batch, proxy, publish, submitted_declaration, system  # noqa: F401
from tests.declarations.submitting import wait_for_state
from services.common import blobs
from tests.support import pdf


def test_publicity_then_recognition_reach_the_enterprise_and_the_certificate(system, config, batch):
    owner = enterprise("ent-recognised")
    did, reference = submitted_declaration(config, batch, owner)
    base = {"declaration_id": did, "enterprise_id": owner.id, "version": 1}
    publish(config, c.DECLARATION_ADVANCED, c.PENDING_PUBLICITY,
            dict(base, level=c.PROVINCE, from_state=c.PENDING_PROVINCE), 4)
    wait_for_state(config, owner, did, lambda v: v["state_label"] == "待公示")
    publish(config, c.DECLARATION_PUBLICIZED, c.IN_PUBLICITY,
            dict(base, publicity_id=3, title="拟认定名单公示", starts_on="2026-12-01", ends_on="2026-12-07",
                 from_state=c.PENDING_PUBLICITY), 5)
    view = wait_for_state(config, owner, did, lambda v: v["state"] == c.IN_PUBLICITY)
    assert view["state_label"] == "公示中" and view["publicity"]["ends_on"] == "2026-12-07"
    publish(config, c.DECLARATION_APPROVED, c.APPROVED,
            dict(base, reason="", document_number="苏工信中小〔2026〕88号",
                 certificate_number="苏双创基地〔2026〕0007", valid_from="2026-12-10", valid_until="2029-12-09",
                 from_state=c.IN_PUBLICITY), 6)
    wait_for_state(config, owner, did, lambda v: v["state"] == c.APPROVED)
    with proxy(c.DECLARATIONS, config, owner) as decl:
        [mine] = decl.list_mine()
        meta = decl.print_recognition(did)
        again = decl.print_recognition(did)
    assert mine["recognition"]["certificate_number"] == "苏双创基地〔2026〕0007"
    assert meta == again
    document = blobs.blob_store(config).get(meta["blob_key"])
    assert document.startswith(b"%PDF-")
    text = pdf.text(document)
    for expected in ("苏双创基地〔2026〕0007", "苏工信中小〔2026〕88号", "2029-12-09", reference):
        assert expected in text
    [url] = pdf.qr_codes(document)
    with proxy(c.DECLARATIONS, config) as anonymous:
        seen = anonymous.verify_version(url.rsplit("/", 1)[1])
    assert seen["certificate"] and seen["recognition"]["document_number"] == "苏工信中小〔2026〕88号"
    # and the 申请表's own QR page shows the recognition too
    application_pdf = printed(config, owner, did)[1]
    [form_url] = pdf.qr_codes(application_pdf)
    with proxy(c.DECLARATIONS, config) as anonymous:
        assert anonymous.verify_version(form_url.rsplit("/", 1)[1])["recognition"]["valid_until"] == "2029-12-09"
    # a 复核 batch starts from it
    with proxy(c.DECLARATIONS, config, ADMIN) as admin:
        recheck = admin.save_batch(batch_form(name="2029年度复核", kind="复核"))
    with proxy(c.DECLARATIONS, config, owner) as decl:
        new = decl.start(recheck["id"], accepted=True)
        started = decl.get(new["id"])
    assert started["carried_over"] == [s.APPLICATION, s.PERSONNEL, s.PARTNERS]
    assert started["sections"][s.LEDGER] == []


def test_only_the_owner_and_reviewers_in_scope_print_the_certificate(system, config, batch):
    owner = enterprise("ent-other-cert")
    did, _reference = submitted_declaration(config, batch, owner)
    with proxy(c.DECLARATIONS, config, enterprise("ent-stranger")) as decl:
        with pytest.raises(NotFound):
            decl.print_recognition(did)
    with proxy(c.DECLARATIONS, config, owner) as decl:
        with pytest.raises(BadState, match="尚未认定"):
            decl.print_recognition(did)
