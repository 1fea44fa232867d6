"""The issue's outbox test: with Kafka stopped, CreatePost still answers at normal latency (the events wait in the
outbox); once Kafka is back the relay publishes every PostPublished event, in order.

Stops and starts the stack's Kafka (`bash stack/ctl.sh stop|start kafka`); Kafka is always started again.
"""

from __future__ import annotations

import asyncio
import random
import socket
import subprocess
import time

import asyncpg
from feedmesh.events.internal.v1 import events_pb2
from feedmesh.post.v1 import post_service_pb2 as pb
from kafka import TopicPartition

from services.common.polling import wait_until
from stack.settings import ROOT, StackSettings
from tests.integration.kafka_reading import end_offsets, keyed_events
from tests.integration.post.conftest import Mesh, as_user

TOPIC = "feedmesh.posts"
POSTS = 100
MAX_CREATE_SECONDS = 1.0


def _ctl(action: str) -> None:
    subprocess.run(["bash", str(ROOT / "stack" / "ctl.sh"), action, "kafka"], cwd=ROOT, check=True, timeout=180)


def _kafka_answers(settings: StackSettings) -> bool:
    host, _, port = settings.kafka_bootstrap.split(",")[0].rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def _read_published(
    settings: StackSettings, start: dict[TopicPartition, int], author_id: int, count: int, timeout: float
) -> list[int]:
    """The post ids of the author's PostPublished events after `start`, deduplicated by event id, in log order."""

    def published(events: list[events_pb2.Event]) -> list[int]:
        return [e.post_published.post_id for e in events if e.WhichOneof("payload") == "post_published"]

    def enough(events: list[events_pb2.Event]) -> bool:
        return len(published(events)) >= count

    what = f"{count} PostPublished events"
    return published(keyed_events(settings, start, author_id, enough, what=what, within=timeout))


async def test_posts_publish_while_kafka_is_down_and_arrive_in_order_after(
    mesh: Mesh, stack_settings: StackSettings, pg_conn: asyncpg.Connection
) -> None:
    author = random.randint(3 * 10**15, 4 * 10**15)
    start = await asyncio.to_thread(end_offsets, stack_settings, TOPIC)
    latencies: list[float] = []
    created: list[int] = []
    try:
        await asyncio.to_thread(_ctl, "stop")
        assert not _kafka_answers(stack_settings), "kafka still answers after `stack/ctl.sh stop kafka`"
        for i in range(POSTS):
            began = time.perf_counter()
            response = await mesh.post.CreatePost(
                pb.CreatePostRequest(text=f"written while Kafka is down #{i}"), metadata=as_user(author), timeout=5
            )
            latencies.append(time.perf_counter() - began)
            created.append(response.id)
        assert not _kafka_answers(stack_settings), "kafka came back while the posts were written"
        unsent = await pg_conn.fetchval(
            "SELECT count(*) FROM outbox WHERE producer = 'post' AND msg_key = $1 AND sent_at IS NULL",
            str(author).encode(),
        )
        assert unsent == POSTS  # every event waits in the outbox
    finally:
        await asyncio.to_thread(_ctl, "start")

    ordered = sorted(latencies)
    print(
        f"\nCreatePost with Kafka down: {POSTS} posts, max {max(latencies) * 1000:.1f} ms,"
        f" p50 {ordered[len(ordered) // 2] * 1000:.1f} ms, p99 {ordered[int(len(ordered) * 0.99) - 1] * 1000:.1f} ms"
    )
    assert max(latencies) < MAX_CREATE_SECONDS, f"slowest CreatePost took {max(latencies):.3f} s"
    assert created == sorted(created)

    began = time.perf_counter()

    async def outbox_drained() -> bool:
        return not await pg_conn.fetchval(
            "SELECT count(*) FROM outbox WHERE producer = 'post' AND msg_key = $1 AND sent_at IS NULL",
            str(author).encode(),
        )

    await wait_until(outbox_drained, what="the relay sending the author's outbox rows", within=90, interval=0.1)
    relayed = time.perf_counter() - began
    published = await asyncio.to_thread(_read_published, stack_settings, start, author, POSTS, 90.0)
    print(
        f"Kafka back: the relay drained the outbox in {relayed:.1f} s;"
        f" all {len(published)} events consumed {time.perf_counter() - began:.1f} s after the restart returned"
    )
    assert published == created
