"""公示 and 认定 through the gateway against the real declarations service: the
enterprise's list and 查看 show 公示中 with the period, then 文号, 证书编号 and
有效期; 打印认定证书 downloads the PDF, whose QR code opens a public /verify
page showing the three; the 申请表's own /verify page shows them too; another
enterprise gets no certificate."""
from services.common import contracts as c
from tests.declarations.fixtures import publish
from tests.gateway.case_evidence_fixtures import case, client_of, services_config, system, wait_for  # noqa: F401
from tests.gateway.conftest import app  # noqa: F401  (a fixture)
from tests.support import pdf

CERTIFICATE = "苏双创基地〔2026〕0042"
DOCUMENT = "苏工信中小〔2026〕77号"


def test_the_enterprise_sees_publicity_then_recognition_and_anyone_verifies_it(app, case, services_config):
    did, _reference = case
    owner = client_of(app, "t-owner")
    base = {"declaration_id": did, "enterprise_id": "ent-1", "version": 1}
    publish(services_config, c.DECLARATION_PUBLICIZED, c.IN_PUBLICITY,
            dict(base, publicity_id=1, title="认定公示", starts_on="2026-12-01", ends_on="2026-12-07",
                 from_state=c.PENDING_PUBLICITY), 5)
    listed = wait_for(owner, "/center/declarations", "公示中")
    assert "公示期 2026-12-01 至 2026-12-07" in listed
    publish(services_config, c.DECLARATION_APPROVED, c.APPROVED,
            dict(base, reason="", document_number=DOCUMENT, certificate_number=CERTIFICATE,
                 valid_from="2026-12-10", valid_until="2029-12-09", from_state=c.IN_PUBLICITY), 6)
    listed = wait_for(owner, "/center/declarations", CERTIFICATE)
    assert DOCUMENT in listed and "有效期至 2029-12-09" in listed
    page = owner.get(f"/center/declarations/{did}/view").get_data(as_text=True)
    for expected in (CERTIFICATE, DOCUMENT, "2026-12-10 至 2029-12-09", "打印认定证书"):
        assert expected in page
    response = owner.get(f"/center/declarations/{did}/certificate")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    [url] = pdf.qr_codes(response.data)
    anyone = app.test_client()
    verified = anyone.get(url.replace(services_config[c.ENV_PUBLIC_BASE_URL], "")).get_data(as_text=True)
    for expected in (CERTIFICATE, DOCUMENT, "2026-12-10 至 2029-12-09", "已认定"):
        assert expected in verified
    assert "下载该版本申请表" not in verified
    form = owner.get(f"/center/declarations/{did}/print")
    [form_url] = pdf.qr_codes(form.data)
    assert CERTIFICATE in anyone.get(form_url.replace(services_config[c.ENV_PUBLIC_BASE_URL], "")).get_data(as_text=True)
    stranger = client_of(app, "t-other").get(f"/center/declarations/{did}/certificate")
    assert stranger.status_code == 404
