"""The broker's topology of events: each source's exchange and the durable
consumer queues the contracts name.

Retries and parking of failed messages live in each service's database
(services.common.events), so no retry or parking queues are needed here.

EVENT_QUEUE_TYPE=quorum (production: RabbitMQ 4.x, replicated on a cluster)
declares these event queues, and only these, as quorum queues; the default,
classic, declares them without a type, as every RabbitMQ since 3.8 accepts.
nameko's own RPC and reply queues are left as nameko declares them. The
setup step, the publishers and the consumers all declare with the same
arguments, from the same setting.
"""
from kombu import Exchange, Queue

from services.common import config as cfg
from services.common import contracts


def event_exchange(source):
    """The topic exchange a service publishes its events to (durable, kept)."""
    return Exchange(f"{source}.events", type="topic", durable=True, auto_delete=False)


def queue_arguments(config=None):
    if cfg.event_queue_type(config) == "quorum":
        return {"x-queue-type": "quorum"}
    return None


def consumer_queue(source, event_type, consumer, config=None):
    return Queue(
        contracts.event_queue(source, event_type, consumer),
        exchange=event_exchange(source),
        routing_key=event_type,
        durable=True,
        auto_delete=False,
        queue_arguments=queue_arguments(config),
    )


def declare_all(connection, config=None):
    declared = []
    channel = connection.channel()
    try:
        for (source, event_type), consumers in contracts.EVENTS.items():
            event_exchange(source)(channel).declare()
            for consumer in consumers:
                queue = consumer_queue(source, event_type, consumer, config)
                queue(channel).declare()
                declared.append(queue.name)
    finally:
        channel.close()
    return declared
