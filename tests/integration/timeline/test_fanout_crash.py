"""A fanout worker that dies mid-task loses nothing: it wrote part of a chunk and never committed, so another
member of the same consumer group redoes the task from the last commit and every follower gets the post. The
durable group's worker is the one killed here (the hot group's only write is the idempotent Redis push, redone
the same way); it writes Redis as well, so the survivor alone brings both stores up to date.

Runs on private fanout topics and groups, so other tests' tasks do not interfere. Also here: which topic a task
goes to (a chunk already in Redis is for the durable group only) and that the durable group reads both.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from feedmesh.events.internal.v1 import events_pb2
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import NewTopic

from services.common.ids import IdGenerator
from services.common.kafka import API_VERSION, KafkaPublisher
from services.common.polling import wait_for, wait_until
from services.timeline.adapters.fanout_queue import KafkaFanoutQueue
from services.timeline.app.ports import FanoutChunk, StreamKind
from services.timeline.settings import TimelineSettings
from services.timeline.wiring import open_stores, store_fanout_consumer
from stack.settings import StackSettings
from tests.integration.harness import service_settings

OLD_POST = 1


class WorkerDied(Exception):
    pass


def _private_topics(
    stack_settings: StackSettings, kafka_admin: Any, group: str, partitions: int, offset_reset: str
) -> TimelineSettings:
    """Timeline settings on fresh fanout topics (both created here) and consumer groups of their own."""
    name = uuid.uuid4().hex[:10]
    topic, durable = f"feedmesh.fanout.test-{name}", f"feedmesh.fanout.durable.test-{name}"
    kafka_admin.create_topics([NewTopic(topic, partitions, 1), NewTopic(durable, partitions, 1)])
    return service_settings(
        TimelineSettings,
        stack_settings,
        fanout_topic=topic,
        fanout_durable_topic=durable,
        consumer_group_prefix=f"{group}-{name}",
        consumer_offset_reset=offset_reset,
    )


async def test_a_killed_fanout_worker_loses_nothing(stack_settings: StackSettings, kafka_admin: Any) -> None:
    settings = _private_topics(stack_settings, kafka_admin, "timeline-crash", 12, "latest")
    topic, durable, name = settings.fanout_topic, settings.fanout_durable_topic, settings.consumer_group_prefix
    stores = await open_stores(settings)
    publisher = KafkaPublisher(settings.kafka_bootstrap, client_id="timeline-crash-test")
    runners = []
    try:
        ids = IdGenerator(1000 % 1024)
        followers = [ids.next_id() for _ in range(60)]  # synthetic readers: the worker only writes their timelines
        for reader in followers:
            await stores.redis.read_start.touch(reader)  # active: they get pushes
            token = await stores.redis.timelines.begin_fill(StreamKind.HOME, reader)
            assert token is not None
            # A cache holding one old post (an empty one is not kept).
            assert await stores.redis.timelines.commit_fill(StreamKind.HOME, reader, token, [OLD_POST], complete=True)
        post_id, author = ids.next_id(), ids.next_id()

        stored: list[FanoutChunk] = []

        async def die_after_first_store(stage: str, chunk: FanoutChunk) -> None:
            stored.append(chunk)
            doomed.kill()  # the process dies here: after a durable write, before the cache write and the commit
            raise WorkerDied

        doomed = store_fanout_consumer(settings, stores, 1, "doomed", fault=die_after_first_store)
        runners.append(doomed)
        doomed.start()
        assert await doomed.wait_assigned(30)

        chunks = [FanoutChunk(post_id, author, 0, followers[i : i + 10]) for i in range(0, 60, 10)]
        await KafkaFanoutQueue(publisher, topic, durable).enqueue(chunks, f"crash-{name}")
        await wait_until(lambda: bool(stored), what="the doomed worker to store its first task", within=15)
        await doomed.stop()
        victims = stored[0].follower_ids
        assert post_id in await stores.store.read_home(victims[0], None, 5)  # the partial, durable write happened
        cached = await stores.redis.timelines.read(StreamKind.HOME, victims[0], None, 5)
        assert cached is not None and cached.ids == [OLD_POST]

        survivor = store_fanout_consumer(settings, stores, 1, "survivor")
        runners.append(survivor)
        survivor.start()
        missing = set(followers)

        async def followers_missing_the_post() -> set[int]:
            for reader in sorted(missing):
                cached = await stores.redis.timelines.read(StreamKind.HOME, reader, None, 5)
                if cached is not None and post_id in cached.ids:
                    missing.discard(reader)
            return missing

        await wait_for(
            followers_missing_the_post, lambda left: not left, what="every follower to get the post", within=30
        )
        for reader in followers:
            assert await stores.store.read_home(reader, None, 5) == [post_id]
    finally:
        for runner in runners:
            await runner.stop()
        await publisher.close()
        await stores.close()
        kafka_admin.delete_topics([topic, durable])


def _task_posts(bootstrap: str, topic: str) -> list[int]:
    """The post ids of every FanoutTask on `topic`, read from the start without a group."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, api_version=API_VERSION, enable_auto_commit=False)
    try:
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        posts = []
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            for records in consumer.poll(timeout_ms=1000).values():
                for record in records:
                    task = events_pb2.Event.FromString(record.value).fanout_task
                    posts.extend([task.post_id, *(p.post_id for p in task.more_posts)])
        return posts
    finally:
        consumer.close(autocommit=False)


async def test_a_task_already_in_redis_goes_to_the_durable_group_only(
    stack_settings: StackSettings, kafka_admin: Any
) -> None:
    settings = _private_topics(stack_settings, kafka_admin, "timeline-topics", 3, "earliest")
    topic, durable, name = settings.fanout_topic, settings.fanout_durable_topic, settings.consumer_group_prefix
    stores = await open_stores(settings)
    publisher = KafkaPublisher(settings.kafka_bootstrap, client_id="timeline-topics-test")
    runner = None
    try:
        ids = IdGenerator(1001 % 1024)
        author, pushed_post, cached_post = ids.next_id(), ids.next_id(), ids.next_id()
        readers = [ids.next_id() for _ in range(4)]
        for reader in readers:
            await stores.redis.read_start.touch(reader)
        await KafkaFanoutQueue(publisher, topic, durable).enqueue(
            [
                FanoutChunk(pushed_post, author, 0, readers[:2]),
                FanoutChunk(cached_post, author, 0, readers[2:], cache_written=True),
            ],
            f"topics-{name}",
        )
        bootstrap = settings.kafka_bootstrap
        assert await asyncio.to_thread(_task_posts, bootstrap, topic) == [pushed_post]
        assert await asyncio.to_thread(_task_posts, bootstrap, durable) == [cached_post]

        runner = store_fanout_consumer(settings, stores, 1, "both-topics")
        runner.start()
        expected = {reader: [pushed_post] for reader in readers[:2]} | {reader: [cached_post] for reader in readers[2:]}

        async def home_rows() -> dict[int, list[int]]:
            return {reader: await stores.store.read_home(reader, None, 5) for reader in readers}

        await wait_for(
            home_rows, lambda got: got == expected, what="the durable group to write both topics' tasks", within=30
        )
    finally:
        if runner is not None:
            await runner.stop()
        await publisher.close()
        await stores.close()
        kafka_admin.delete_topics([topic, durable])
