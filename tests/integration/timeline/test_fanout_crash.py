"""A fanout worker that dies mid-task loses nothing: it wrote part of a chunk and never committed, so another
member of the same consumer group redoes the task from the last commit and every follower gets the post. The
durable group's worker is the one killed here (the hot group's only write is the idempotent Redis push, redone
the same way); it writes Redis as well, so the survivor alone brings both stores up to date.

Runs on a private fanout topic and group, so other tests' tasks do not interfere.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from kafka.admin import NewTopic

from services.common.ids import IdGenerator
from services.common.kafka import KafkaPublisher
from services.timeline.adapters.kafka_events import KafkaFanoutQueue
from services.timeline.app.ports import FanoutChunk, StreamKind
from services.timeline.settings import TimelineSettings
from services.timeline.wiring import open_stores, store_fanout_runner
from stack.settings import StackSettings
from tests.integration.harness import service_settings

OLD_POST = 1


class WorkerDied(Exception):
    pass


async def test_a_killed_fanout_worker_loses_nothing(stack_settings: StackSettings, kafka_admin: Any) -> None:
    name = uuid.uuid4().hex[:10]
    topic = f"feedmesh.fanout.test-{name}"
    kafka_admin.create_topics([NewTopic(topic, 12, 1)])
    settings = service_settings(
        TimelineSettings,
        stack_settings,
        fanout_topic=topic,
        consumer_group_prefix=f"timeline-crash-{name}",
        consumer_offset_reset="latest",
    )
    stores = await open_stores(settings)
    publisher = KafkaPublisher(settings.kafka_bootstrap, client_id="timeline-crash-test")
    runners = []
    try:
        ids = IdGenerator(1000 % 1024)
        followers = [ids.next_id() for _ in range(60)]  # synthetic readers: the worker only writes their timelines
        for reader in followers:
            await stores.cache.touch(reader)  # active: they get pushes
            token = await stores.cache.begin_fill(StreamKind.HOME, reader)
            assert token is not None
            # A cache holding one old post (an empty one is not kept).
            assert await stores.cache.commit_fill(StreamKind.HOME, reader, token, [OLD_POST], complete=True)
        post_id, author = ids.next_id(), ids.next_id()

        stored: list[FanoutChunk] = []

        async def die_after_first_store(stage: str, chunk: FanoutChunk) -> None:
            stored.append(chunk)
            doomed.kill()  # the process dies here: after a durable write, before the cache write and the commit
            raise WorkerDied

        doomed = store_fanout_runner(settings, stores, "doomed", fault=die_after_first_store)
        runners.append(doomed)
        doomed.start()
        assert await doomed.wait_assigned(30)

        chunks = [FanoutChunk(post_id, author, 0, followers[i : i + 10]) for i in range(0, 60, 10)]
        await KafkaFanoutQueue(publisher, topic).enqueue(chunks, f"crash-{name}")
        for _ in range(300):
            if stored:
                break
            await asyncio.sleep(0.05)
        assert stored, "the doomed worker never got a task"
        await doomed.stop()
        victims = stored[0].follower_ids
        assert post_id in await stores.store.read_home(victims[0], None, 5)  # the partial, durable write happened
        assert (await stores.cache.read(StreamKind.HOME, victims[0], None, 5)).ids == [OLD_POST]  # type: ignore[union-attr]

        survivor = store_fanout_runner(settings, stores, "survivor")
        runners.append(survivor)
        survivor.start()
        missing = set(followers)
        for _ in range(600):
            for reader in sorted(missing):
                cached = await stores.cache.read(StreamKind.HOME, reader, None, 5)
                if cached is not None and post_id in cached.ids:
                    missing.discard(reader)
            if not missing:
                break
            await asyncio.sleep(0.05)
        assert not missing, f"{len(missing)} followers never got the post"
        for reader in followers:
            assert await stores.store.read_home(reader, None, 5) == [post_id]
    finally:
        for runner in runners:
            await runner.stop()
        await publisher.close()
        await stores.close()
        kafka_admin.delete_topics([topic])
