"""The small nameko services bench/rpc.py runs, each in its own `nameko run`
process, built from the project's own entrypoint and database provider:

- `bench_echo`: `echo(value)` answers its argument (the cheapest RPC);
- `bench_relay`: `run(calls, concurrency)` calls `bench_echo` through an
  `RpcProxy` from inside a worker (service to service) and answers the
  seconds it took;
- `bench_producer`: `emit(seq)` writes an event to the outbox with
  `self.db.dispatch` (published after the commit, as every service does);
- `bench_consumer`: handles those events with the project's `event_handler`
  (durable queue, once per event_id, retries) and keeps each event's latency
  from its dispatch to the start of its handler; `latencies()` answers them.

The bench event is added to `contracts.EVENTS` in these processes only (an
`event_handler` refuses an event the contracts do not list for its service).
"""
import time

import eventlet
from nameko.rpc import RpcProxy

from services.common import contracts as c
from services.common.db import Database
from services.common.entrypoints import rpc
from services.common.events import event_handler

ECHO = "bench_echo"
RELAY = "bench_relay"
PRODUCER = "bench_producer"
CONSUMER = "bench_consumer"

# The producer writes to the outbox of this service's schema and so publishes
# to its exchange (`notify.events`), under a routing key no consumer of the
# contracts listens to.
EVENT_SOURCE = c.NOTIFY
EVENT_TYPE = "bench_ping"
c.EVENTS.setdefault((EVENT_SOURCE, EVENT_TYPE), (CONSUMER,))


class Echo:
    name = ECHO

    @rpc(public=True)
    def echo(self, value):
        return value


class Relay:
    name = RELAY

    target = RpcProxy(ECHO)

    @rpc(public=True)
    def ready(self):
        return True

    @rpc(public=True)
    def run(self, calls, concurrency):
        """Make `calls` echo RPCs, `concurrency` at a time; the seconds taken."""
        pool = eventlet.GreenPool(concurrency)
        started = time.perf_counter()
        for _ in pool.imap(self.target.echo, range(calls)):
            pass
        return time.perf_counter() - started


class Producer:
    name = PRODUCER

    db = Database(EVENT_SOURCE)

    @rpc(public=True)
    def ready(self):
        return True

    @rpc(public=True)
    def emit(self, seq):
        # time.monotonic() is one clock for every process of the machine.
        self.db.dispatch(EVENT_TYPE, {"seq": seq, "dispatched": time.monotonic()})
        return seq


# seq -> seconds from dispatch to the handler (one consumer process).
LATENCIES = {}


class Consumer:
    name = CONSUMER

    db = Database(EVENT_SOURCE)

    @event_handler(EVENT_SOURCE, EVENT_TYPE)
    def on_ping(self, envelope):
        data = envelope["data"]
        LATENCIES[data["seq"]] = time.monotonic() - data["dispatched"]

    @rpc(public=True)
    def ready(self):
        return True

    @rpc(public=True)
    def latencies(self):
        return list(LATENCIES.values())
