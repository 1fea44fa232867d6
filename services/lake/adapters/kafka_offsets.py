"""Kafka's offsets of the lake's topics, for the Flush RPC: the topics' ends and the lake group's commits. One admin
client for the process; kafka-python blocks, so each call runs in a thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from services.common.kafka import API_VERSION


class KafkaOffsets:
    def __init__(self, bootstrap: str, topics: Sequence[str], group: str):
        self.bootstrap = bootstrap
        self.topics = list(topics)
        self.group = group
        self._lock = threading.Lock()  # kafka-python clients are not thread-safe
        self._admin: Any = None
        self._reader: Any = None

    def _clients(self) -> tuple[Any, Any]:
        if self._admin is None:
            self._admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, api_version=API_VERSION)
            self._reader = KafkaConsumer(bootstrap_servers=self.bootstrap, api_version=API_VERSION)
        return self._admin, self._reader

    def _ends(self) -> dict[str, int]:
        with self._lock:
            _, reader = self._clients()
            parts = [TopicPartition(t, p) for t in self.topics for p in sorted(reader.partitions_for_topic(t) or ())]
            return {f"{tp.topic}/{tp.partition}": int(end) for tp, end in reader.end_offsets(parts).items()}

    def _committed(self) -> dict[str, int]:
        with self._lock:
            admin, _ = self._clients()
            found = admin.list_group_offsets(self.group).get(self.group, {})
            return {f"{tp.topic}/{tp.partition}": int(meta.offset) for tp, meta in found.items() if meta.offset >= 0}

    async def end_offsets(self) -> dict[str, int]:
        return await asyncio.to_thread(self._ends)

    async def committed(self) -> dict[str, int]:
        return await asyncio.to_thread(self._committed)

    async def close(self) -> None:
        def close_all() -> None:
            with self._lock:
                if self._admin is not None:
                    self._admin.close()
                    self._reader.close()
                    self._admin = self._reader = None

        await asyncio.to_thread(close_all)
