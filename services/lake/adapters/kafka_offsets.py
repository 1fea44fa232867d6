"""Kafka's offsets of the lake's topics, for the Flush RPC: the topics' ends and the lake group's commits. One
confluent-kafka consumer for the process, configured with the lake's group id to read its commits but never
subscribed (it does not join the group); its calls block, so each runs in a thread."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence

from confluent_kafka import Consumer, TopicPartition

# Each broker request gives up after this long (the Flush RPC polls again).
_REQUEST_SECONDS = 10.0


class KafkaOffsets:
    def __init__(self, bootstrap: str, topics: Sequence[str], group: str):
        self.bootstrap = bootstrap
        self.topics = list(topics)
        self.group = group
        self._lock = threading.Lock()  # made and closed from worker threads
        self._reader: Consumer | None = None

    def _client(self) -> Consumer:
        if self._reader is None:
            self._reader = Consumer(
                {
                    "bootstrap.servers": self.bootstrap,
                    "group.id": self.group,
                    "client.id": f"{self.group}-offsets",
                    "enable.auto.commit": False,
                    # Failed connections are retried by librdkafka and show up as failed calls here.
                    "log_level": 2,
                    "logger": logging.getLogger("librdkafka"),
                }
            )
        return self._reader

    def _partitions(self, reader: Consumer) -> list[TopicPartition]:
        parts = []
        for topic in self.topics:
            found = reader.list_topics(topic, timeout=_REQUEST_SECONDS).topics.get(topic)
            if found is not None and found.error is None:
                parts += [TopicPartition(topic, p) for p in sorted(found.partitions)]
        return parts

    def _ends(self) -> dict[str, int]:
        with self._lock:
            reader = self._client()
            ends = {}
            for tp in self._partitions(reader):
                _, end = reader.get_watermark_offsets(tp, timeout=_REQUEST_SECONDS)
                ends[f"{tp.topic}/{tp.partition}"] = int(end)
            return ends

    def _committed(self) -> dict[str, int]:
        with self._lock:
            reader = self._client()
            parts = self._partitions(reader)
            found = reader.committed(parts, timeout=_REQUEST_SECONDS) if parts else []
            return {f"{tp.topic}/{tp.partition}": int(tp.offset) for tp in found if tp.offset >= 0}

    async def end_offsets(self) -> dict[str, int]:
        return await asyncio.to_thread(self._ends)

    async def committed(self) -> dict[str, int]:
        return await asyncio.to_thread(self._committed)

    async def close(self) -> None:
        def close_reader() -> None:
            with self._lock:
                if self._reader is not None:
                    self._reader.close()
                    self._reader = None

        await asyncio.to_thread(close_reader)
