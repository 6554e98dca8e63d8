"""The fault suite's short version (`make faults` runs the full one): a
broker node of its own stopped in the middle of a tenant-intake burst, a
consumer that starts after its events were published, the SMS provider down,
each service killed with SIGKILL (tenants under load); nothing acknowledged
is lost, nothing is stored or sent twice."""
import pytest

from tests.faults import node as nodes
from tests.faults import suite

pytestmark = pytest.mark.skipif(not nodes.available(), reason="rabbitmq-server is not installed here")


def test_nothing_is_lost_or_duplicated_across_a_broker_stop_and_a_late_consumer(tmp_path):
    node = nodes.OwnNode(base_dir=tmp_path / "node")
    node.start()
    try:
        rows = suite.run(outage=3, phones=8, events=30, node=node, workdir=tmp_path / "system")
    finally:
        node.remove()
    print(suite.table(rows))
    for row in rows:
        assert row.acknowledged > 0, row
        assert row.ok, suite.table(rows)
    burst = rows[0]
    assert burst.stored == burst.acknowledged  # every phone got its answer in the end
