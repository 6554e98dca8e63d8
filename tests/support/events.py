"""Events read off the bus as a consumer would see them.

Tests learn what the system told the outside world (an SMS code in an
`sms_requested` event, a `declaration_submitted`) from the events the
services really published, never from a shortcut of their own:

    with listen_events(amqp_uri, "accounts", "sms_requested") as events:
        page.click("text=获取验证码")
        [envelope] = events.wait(1)
    code = envelope["data"]["params"]["code"]

A temporary exclusive queue is bound to the `<source>.events` exchange for
the duration of the block; it sees only what is published while it is bound.
"""
import contextlib
import json
import time
import uuid

from kombu import Connection, Queue


class EventListener:
    def __init__(self, connection, queue):
        self._connection = connection
        self._queue = queue
        self.received = []

    def _poll(self):
        while True:
            message = self._queue.get(no_ack=True, accept=["json"])
            if message is None:
                return
            body = message.payload
            if isinstance(body, (bytes, str)):
                body = json.loads(body)
            self.received.append(body)

    def wait(self, count=1, timeout=10.0, where=None):
        """The envelopes received so far once at least `count` of them (that
        satisfy `where(envelope)`, if given) have arrived; AssertionError after
        `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            self._poll()
            matching = [e for e in self.received if where is None or where(e)]
            if len(matching) >= count:
                return matching
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} event(s) on {self._queue.name}, got {len(matching)}: {matching!r}"
                )
            time.sleep(0.05)

    def drain(self):
        """Every envelope received so far (without waiting)."""
        self._poll()
        return list(self.received)


@contextlib.contextmanager
def listen_events(amqp_uri, source, event_type):
    """Bind a temporary queue to `source`'s event exchange for `event_type`
    (a topic pattern: "#" for all) and yield an `EventListener`."""
    # Imported here: services.common.outbox imports nameko (and eventlet),
    # which a process that never reads events has no need of.
    from services.common.outbox import event_exchange

    exchange = event_exchange(source)
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        queue = Queue(
            f"test-tap.{source}.{event_type}.{uuid.uuid4().hex[:8]}",
            exchange=exchange,
            routing_key=event_type,
            exclusive=True,
            auto_delete=True,
            durable=False,
        )(channel)
        exchange(channel).declare()
        queue.declare()
        try:
            yield EventListener(connection, queue)
        finally:
            channel.close()


def read_events(amqp_uri, source, event_type, action, count=1, timeout=10.0, where=None):
    """Run `action()` while listening for `event_type` events of `source` and
    return the envelopes published (at least `count`)."""
    with listen_events(amqp_uri, source, event_type) as listener:
        action()
        return listener.wait(count, timeout, where)


def sms_requests(envelopes, phone=None):
    """The `data` of `sms_requested` envelopes, those to `phone` if given."""
    return [e["data"] for e in envelopes if phone is None or e["data"].get("phone") == phone]
