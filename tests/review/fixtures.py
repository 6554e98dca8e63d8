"""The review service on the real broker and database, a client calling it as
the gateway does, and `declaration_submitted` delivered to it."""
import pytest
from nameko.testing.services import entrypoint_waiter

from gateway.rpc import RpcClient
from services.common import contracts as c
from services.common.outbox import publish_one, publisher
from services.review.service import ReviewService
from tests.review.support import submitted_envelope


@pytest.fixture
def review(container_factory, config):
    container = container_factory(ReviewService, config)
    container.start()
    client = RpcClient(config, timeout=10)
    yield container, client
    client.close()


def deliver(container, config, data):
    """Publish a declaration_submitted as the declarations service would and
    wait until the review service has handled it."""
    with entrypoint_waiter(container, "on_declaration_submitted", timeout=20):
        pub = publisher(config)
        publish_one(pub, c.DECLARATIONS, c.DECLARATION_SUBMITTED, submitted_envelope(data))


def client_call(config, method, *args, principal):
    client = RpcClient(config, timeout=20)
    try:
        return client.call(c.REVIEW, method, *args, principal=principal)
    except Exception as exc:  # the outcome is what the test compares
        return exc
    finally:
        client.close()
