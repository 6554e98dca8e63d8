"""打印申请表 on the real RabbitMQ and PostgreSQL: the PDF of a submitted
version (not the live draft), A4 with page numbers, the 申报编号, the
signature/stamp block and embedded CJK fonts; its QR code opens the public
verification of that version; the file never changes; only the owner and
reviewers in scope get it. And the files of a version for the attachments zip."""
import re

import eventlet
import pytest

from services.common import blobs
from services.common import contracts as c
from services.common.errors import BadState, NotFound, Unauthenticated
from services.declarations import printing
from services.declarations import sections as s
from tests.declarations.helpers import ADMIN, application, enterprise, reviewer
from tests.declarations.fixtures import batch, proxy, publish_review_event, system  # noqa: F401
from tests.declarations.printing_fixtures import config, printed  # noqa: F401 (a fixture)
from tests.support import pdf
from tests.declarations.fixtures import ATTACHMENT, BASE_NAME, PUBLIC, submitted_declaration  # noqa: F401


def test_the_printed_application_of_a_submitted_version(system, config, batch):
    owner = enterprise()
    did, reference = submitted_declaration(config, batch, owner)

    meta, document = printed(config, owner, did)
    assert document.startswith(b"%PDF-") and meta["sha256"] and meta["version"] == 1
    assert meta["filename"] == f"{reference}_申请表_第1次提交.pdf"
    assert pdf.page_size_mm(document) == (210, 297)  # A4
    text = pdf.text(document)
    assert BASE_NAME in text and reference in text and "南京市玄武区" in text
    assert "盖章" in text and "法定代表人（签字）" in text
    pages = pdf.page_texts(document)
    assert all(f"共 {len(pages)} 页" in page for page in pages)
    assert f"第 {len(pages)} 页" in pages[-1]
    fonts = pdf.fonts(document)
    assert any("CJK" in name for name in fonts) and all(fonts.values()), fonts

    [url] = pdf.qr_codes(document)
    match = re.fullmatch(re.escape(PUBLIC) + r"/verify/([A-Za-z0-9_-]+)", url)
    assert match, url
    verify_id = match.group(1)
    assert len(verify_id) >= 22  # ≥ 128 random bits in base64url
    assert url in text.replace("\n", "")

    with proxy(c.DECLARATIONS, config) as anonymous:
        seen = anonymous.verify_version(verify_id)
        assert seen["version"] == 1 and seen["reference"] == reference
        assert seen["state"] == c.PENDING_COUNTY and seen["state_label"] == "待区县审核"
        assert seen["digest"] == meta["digest"] and meta["digest"] in text.replace("\n", "")
        assert "sections" not in seen and BASE_NAME not in str(seen)  # no content without a login
        with pytest.raises(NotFound):
            anonymous.verify_version(verify_id[:-2] + "xx")
        with pytest.raises(Unauthenticated):
            anonymous.print_version(did)

    # The same file for the owner again and for reviewers in scope; nobody else.
    for principal in (owner, reviewer(c.COUNTY, "320102"), reviewer(c.CITY, "320100"), ADMIN):
        again, data = printed(config, principal, did)
        assert again["blob_key"] == meta["blob_key"] and data == document
    for stranger in (enterprise("ent-2"), reviewer(c.COUNTY, "320104"), reviewer(c.CITY, "320500")):
        with proxy(c.DECLARATIONS, config, stranger) as decl, pytest.raises(NotFound):
            decl.print_version(did)

    # Returned, corrected and submitted again: version 1's PDF stays as it was;
    # version 2 is a new document whose verification says which is current.
    publish_review_event(config, c.DECLARATION_RETURNED, {
        "declaration_id": did, "enterprise_id": owner.id, "level": c.COUNTY,
        "reason": "请更正基地名称", "sections": [s.APPLICATION], "version": 1})
    with proxy(c.DECLARATIONS, config, owner) as decl:
        for _ in range(100):
            if decl.get(did)["state"] == c.RETURNED:
                break
            eventlet.sleep(0.1)
        decl.save_section(did, s.APPLICATION, application(base_name="玄武打印示范园（更正）"))
        assert decl.submit(did)["submitted"]
    first, data = printed(config, owner, did, 1)
    assert data == document
    second, data2 = printed(config, reviewer(c.COUNTY, "320102"), did)
    assert second["version"] == 2 and "玄武打印示范园（更正）" in pdf.text(data2)
    with proxy(c.DECLARATIONS, config) as anonymous:
        old = anonymous.verify_version(verify_id)
        assert old["version"] == 1 and old["superseded"] and old["latest_version"] == 2

    # 通过 → 通过 → 认定: the verification of version 2 says so, and when.
    [url2] = pdf.qr_codes(data2)
    moves = ((c.DECLARATION_ADVANCED, {"level": c.CITY}), (c.DECLARATION_ADVANCED, {"level": c.PROVINCE}),
             (c.DECLARATION_APPROVED, {"reason": "同意认定"}))
    for sequence, (event_type, data) in enumerate(moves, start=4):  # the case's revisions after the resubmission
        publish_review_event(config, event_type, {"declaration_id": did, "enterprise_id": owner.id, "version": 2, **data},
                             sequence=sequence)
        expected = c.APPROVED if event_type == c.DECLARATION_APPROVED else c.PENDING_STATE_OF_LEVEL[data["level"]]
        with proxy(c.DECLARATIONS, config, owner) as decl:
            for _ in range(100):
                if decl.get(did)["state"] == expected:
                    break
                eventlet.sleep(0.1)
    with proxy(c.DECLARATIONS, config) as anonymous:
        recognised = anonymous.verify_version(url2.rsplit("/", 1)[1])
    assert recognised["state_label"] == "已认定" and recognised["decided_label"] == "认定时间"
    assert recognised["decided_at"] and not recognised["superseded"]


def test_a_draft_cannot_be_printed(system, config, batch):
    owner = enterprise()
    with proxy(c.DECLARATIONS, config, owner) as decl:
        did = decl.start(batch["id"], accepted=True)["id"]
        with pytest.raises(BadState) as refused:
            decl.print_version(did)
    assert refused.value.message == printing.NOT_SUBMITTED


def test_the_files_of_a_version_for_the_attachments_zip(system, config, batch):
    owner = enterprise()
    did, reference = submitted_declaration(config, batch, owner)
    with proxy(c.DECLARATIONS, config, reviewer(c.COUNTY, "320102")) as county:
        listed = county.version_attachments(did)
    assert listed["reference"] == reference and listed["version"] == 1
    [f] = listed["files"]
    assert f["category"] == "申请报告" and f["size"] == len(ATTACHMENT) and listed["total_size"] == len(ATTACHMENT)
    assert blobs.blob_store(config).get(f["blob_key"]) == ATTACHMENT
    with proxy(c.DECLARATIONS, config, reviewer(c.COUNTY, "320104")) as other, pytest.raises(NotFound):
        other.version_attachments(did)


def test_the_verification_link_needs_a_configured_public_address():
    from services.common import config as cfg

    assert cfg.public_base_url({c.ENV_PUBLIC_BASE_URL: "https://sme.example.gov.cn/"}) == "https://sme.example.gov.cn"
    assert cfg.public_base_url({c.ENV_GATEWAY_HOST: "127.0.0.1", c.ENV_GATEWAY_PORT: "8123"}) == "http://127.0.0.1:8123"
    # Production never guesses (and never takes a request's Host).
    assert cfg.public_base_url({c.ENV_APP_ENV: "production", c.ENV_GATEWAY_PORT: "8000"}) is None


def test_a_rendering_that_fails_or_hangs_ends_in_its_child_process():
    from services.declarations import pdf_render

    assert pdf_render.in_child("<p>申请表</p>").startswith(b"%PDF-")
    with pytest.raises(pdf_render.RenderFailed):
        pdf_render.in_child("<p>申请表</p>", timeout=0.01)
