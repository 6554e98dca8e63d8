"""A declaration started through the portal, for the API and observability tests."""
from tests.accounts.helpers import post
from tests.declarations.helpers import application, person


def started_declaration(client, batch):
    """开始申报, 申请表 and one 主要人员 saved, through the portal."""
    response = post(client, f"/center/declarations/start/{batch['id']}", {"accept": "1"})
    assert response.status_code == 302
    did = response.headers["Location"].rsplit("/", 1)[-1]
    base = f"/center/declarations/{did}/sections"
    assert post(client, base + "/application", application()).status_code == 302
    assert post(client, base + "/personnel/new", person()).status_code == 302
    return did
