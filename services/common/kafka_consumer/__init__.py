"""Consuming Kafka in a service (docs/service-conventions.md, "Consuming Kafka"): `EventConsumer` and what it takes
and hands out."""

from services.common.kafka_consumer.events import (
    ConsumedEvent,
    DeadLetters,
    EventConsumer,
    EventHandler,
    PerMember,
    UndecodableEvent,
)
from services.common.kafka_consumer.poison import PoisonEvent

__all__ = [
    "ConsumedEvent",
    "DeadLetters",
    "EventConsumer",
    "EventHandler",
    "PerMember",
    "PoisonEvent",
    "UndecodableEvent",
]
