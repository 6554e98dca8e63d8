"""Declaration of the durable consumer queues the contracts name.

Retries and parking of failed messages live in each service's database
(services.common.events), so no retry or parking queues are needed here.
"""
from kombu import Queue

from services.common import contracts as c
from services.common.outbox import event_exchange


def consumer_queue(source, event_type, consumer):
    return Queue(
        c.event_queue(source, event_type, consumer),
        exchange=event_exchange(source),
        routing_key=event_type,
        durable=True,
        auto_delete=False,
    )


def declare_all(connection):
    declared = []
    channel = connection.channel()
    try:
        for (source, event_type), consumers in c.EVENTS.items():
            event_exchange(source)(channel).declare()
            for consumer in consumers:
                queue = consumer_queue(source, event_type, consumer)
                queue(channel).declare()
                declared.append(queue.name)
    finally:
        channel.close()
    return declared
