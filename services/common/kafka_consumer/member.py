"""What the parts of a consumer-group member (pipeline.py, poison.py) use of it; runner.ConsumerRunner is the
member."""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any, Protocol

from kafka import KafkaConsumer, TopicPartition

from services.common.kafka_consumer.metrics import ConsumerMetrics


class Member(Protocol):
    loop: asyncio.AbstractEventLoop
    member: str
    """Its name (the Kafka client id), for logs and metrics."""
    group: str
    metrics: ConsumerMetrics
    killed: bool
    last_success: float
    """Monotonic time the handler last passed."""

    @property
    def stopping(self) -> bool: ...

    def run_handler(self, records: list[Any]) -> None:
        """The handler and the rest it returns, to the end; raises what they raise."""

    def start_handler(self, records: list[Any]) -> concurrent.futures.Future[None]:
        """Runs the handler; returns the batch's end: its rest's, when it returns one, still running."""

    def commit(self, consumer: KafkaConsumer, done: dict[TopicPartition, list[Any]]) -> None:
        """Commits past the last record of each partition."""

    def hold(self, consumer: KafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        """Seeks the partitions back to these offsets and holds them there before they are retried."""
