"""The lake and the offline chain against the real Kafka, S3 and Redis: a Kafka topic of the tests' own (events
made up here never reach the stack's consumers), buckets of this session's own (deleted at its end), and a consumer
group per test."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow.fs as pafs
import pytest
from feedmesh.events.internal.v1 import events_pb2
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from services.common.kafka import KafkaPublisher, OutgoingMessage
from services.common.lake_reader import s3_filesystem
from stack.settings import StackSettings

TOPIC = "feedmesh.test-lake"  # two partitions, reused by every run
PARTITIONS = 2


@dataclass(frozen=True)
class LakeEnv:
    stack: StackSettings
    fs: pafs.FileSystem
    lake_bucket: str
    models_bucket: str
    publisher: KafkaPublisher

    def group(self) -> str:
        return f"lake-test-{uuid.uuid4().hex[:10]}"

    async def publish(self, events: list[events_pb2.Event], key: Any = None) -> None:
        """Keyed by the event's position unless `key` says otherwise: the events spread over both partitions."""
        messages = [
            OutgoingMessage(TOPIC, str(key if key is not None else n).encode(), e.SerializeToString())
            for n, e in enumerate(events)
        ]
        await self.publisher.send_batch(messages)


def event(kind: str, when: datetime, **fields: Any) -> events_pb2.Event:
    """An Event with a fresh id, occurring at `when`, with payload `kind` set from `fields`."""
    made = events_pb2.Event(event_id=uuid.uuid4().hex)
    made.occur_time.FromDatetime(when)
    payload = getattr(made, kind)
    for name, value in fields.items():
        target = getattr(payload, name)
        if hasattr(target, "FromDatetime"):
            target.FromDatetime(value)
        elif isinstance(value, list):
            target.extend(value)
        else:
            setattr(payload, name, value)
    payload.SetInParent()
    return made


def _ensure_topic(stack: StackSettings) -> None:
    from stack import clients

    admin = clients.kafka_admin(stack)
    try:
        admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])
    except TopicAlreadyExistsError:
        pass
    finally:
        admin.close()


@contextlib.contextmanager
def fresh_buckets(s3_client: Any) -> Iterator[tuple[str, str]]:
    """A lake bucket and a models bucket of their own, deleted with what they hold at the end."""
    suffix = uuid.uuid4().hex[:8]
    names = (f"feedmesh-test-lake-{suffix}", f"feedmesh-test-models-{suffix}")
    for name in names:
        s3_client.create_bucket(Bucket=name)
    try:
        yield names
    finally:
        for name in names:
            for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=name):
                for item in page.get("Contents", []):
                    s3_client.delete_object(Bucket=name, Key=item["Key"])
            with contextlib.suppress(Exception):
                s3_client.delete_bucket(Bucket=name)


@pytest.fixture(scope="package")
def buckets(stack_settings: StackSettings, s3_client: Any) -> Iterator[tuple[str, str]]:
    with fresh_buckets(s3_client) as names:
        yield names


@pytest.fixture(scope="package")
async def lake_env(stack_settings: StackSettings, buckets: tuple[str, str]) -> AsyncIterator[LakeEnv]:
    await asyncio.to_thread(_ensure_topic, stack_settings)
    s = stack_settings
    fs = s3_filesystem(s.s3_endpoint, s.s3_region, s.s3_access_key, s.s3_secret_key)
    publisher = KafkaPublisher(s.kafka_bootstrap, client_id="feedmesh-lake-tests")
    yield LakeEnv(s, fs, buckets[0], buckets[1], publisher)
    await publisher.close()
