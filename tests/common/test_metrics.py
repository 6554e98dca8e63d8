"""A service's own metrics as its workers run: an event handled is counted
by service, event and outcome; busy workers go back to zero."""
from prometheus_client import REGISTRY

from services.common import contracts as c
from tests.review.support import submitted
from tests.review.fixtures import deliver, review  # noqa: F401  (fixture)


def sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0


def test_a_handled_event_is_counted(review, config):  # noqa: F811
    container, _client = review
    labels = {"service": c.REVIEW, "event": c.DECLARATION_SUBMITTED, "outcome": "ok"}
    before = sample("sme_events_handled_total", **labels)
    deliver(container, config, submitted(region="320102"))
    assert sample("sme_events_handled_total", **labels) == before + 1
    assert sample("sme_service_workers_busy", service=c.REVIEW) == 0
    assert sample("sme_service_workers_max", service=c.REVIEW) == container.max_workers
    assert sample("sme_events_parked", service=c.REVIEW) == 0
