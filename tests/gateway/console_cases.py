"""Cases in the console: `declaration_submitted` delivered to review, a case
page read, and a decision posted (with its confirmation) as staff do it."""
import re

from nameko.testing.services import entrypoint_waiter
from nameko.testing.utils import get_container

from services.common import contracts as c
from services.common.outbox import publish_one, publisher
from services.review.service import ReviewService
from tests.accounts.helpers import post
from tests.review.support import submitted_envelope


def deliver(system, config, data):
    container = get_container(system, ReviewService)
    with entrypoint_waiter(container, "on_declaration_submitted", timeout=20):
        publish_one(publisher(config), c.DECLARATIONS, c.DECLARATION_SUBMITTED, submitted_envelope(data))
    return data["declaration_id"]


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def revision(html):
    return re.search(r'name="revision" value="(\d+)"', html).group(1)


def act(client, did, action, confirm=True, **form):
    path = f"/console/cases/{did}/{action}"
    html = page(client, f"/console/cases/{did}")
    data = {"revision": revision(html), **form}
    first = post(client, path, data)
    if not confirm or first.status_code != 200:
        return first
    return post(client, path, {**data, "confirm": "1"})
