"""Events in, Parquet rows out: every event once, in its type's and hour's directory, across a crash in the middle of
a flush (the successor rewrites the very objects the crash left, so no row is stored twice)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
from feedmesh.lake.internal.v1.lake_service_pb2 import FlushRequest
from feedmesh.lake.internal.v1.lake_service_pb2_grpc import LakeServiceStub
from prometheus_client import REGISTRY

from services.common.lake_reader import list_files, read_events
from services.common.polling import wait_for, wait_until
from services.lake.adapters.s3_lake import S3Lake
from services.lake.settings import LakeSettings
from services.lake.wiring import build
from tests.integration.harness import start_service
from tests.integration.kafka_reading import end_offsets, group_lag, rewind_group
from tests.integration.lake.archiving import CrashingLake, copies, start
from tests.integration.lake.conftest import TOPIC, LakeEnv, event

TYPES = ["post_liked", "feed_impression", "user_followed"]


def some_events(n: int, base: datetime) -> list:
    made = []
    for i in range(n):
        when = base + timedelta(minutes=50 * (i % 2))  # two hours
        kind = TYPES[i % 3]
        if kind == "post_liked":
            made.append(event(kind, when, post_id=i, user_id=7, post_author_id=8))
        elif kind == "feed_impression":
            made.append(event(kind, when, viewer_id=7, post_id=i, author_id=8, position=i, page_id="p", mode="ranked"))
        else:
            made.append(event(kind, when, follower_id=i, followee_id=8))
    return made


async def test_round_trip_across_a_crash_mid_flush(lake_env: LakeEnv) -> None:
    group = lake_env.group()
    ends = await asyncio.to_thread(end_offsets, lake_env.stack, TOPIC)
    await asyncio.to_thread(rewind_group, lake_env.stack, group, ends)  # the group starts at the topic's end
    base = datetime.now(UTC).replace(minute=5, second=0, microsecond=0) - timedelta(hours=3)
    store = CrashingLake(lake_env.fs, lake_env.lake_bucket)
    first = await start(lake_env, group, store)
    before = some_events(30, base)
    await lake_env.publish(before)
    await first.flush()
    ids = {e.event_id for e in before}
    assert set((await copies(lake_env, TYPES, ids)).values()) == {1}

    after = some_events(30, base)
    await lake_env.publish(after)
    await wait_until(lambda: first.archiver.buffered == 30, what="the second 30 events buffered", within=30)
    store.crash_after = 2
    try:
        await first.archiver.flush()
        raise AssertionError("the flush should have crashed")
    except RuntimeError:
        pass
    await first.consumer.stop()  # killed: it commits nothing more
    await first.offsets.close()
    partial = await wait_for(
        lambda: copies(lake_env, TYPES, {e.event_id for e in after}),
        lambda found: len(found) > 0,
        what="the objects written before the crash",
    )
    assert len(partial) < 30, "the crash should leave part of the second batch unwritten"

    second = await start(lake_env, group, S3Lake(lake_env.fs, lake_env.lake_bucket))
    try:
        await second.flush()
    finally:
        await second.stop()
    ids |= {e.event_id for e in after}
    stored = await copies(lake_env, TYPES, ids)
    assert set(stored) == ids and set(stored.values()) == {1}, "an event lost or stored twice"

    liked = await asyncio.to_thread(read_events, lake_env.fs, lake_env.lake_bucket, "post_liked", base)
    mine = liked.filter(liked["event_id"].is_in(list(ids)))
    assert mine.height == 20 and mine["post_author_id"].to_list() == [8] * 20
    keys = [i.path for i in list_files(lake_env.fs, lake_env.lake_bucket, "events/post_liked")]
    hours = {k.split("/")[-2] for k in keys if f"-{TOPIC}-" in k}
    assert {f"hour={base:%H}", f"hour={base + timedelta(minutes=50):%H}"} <= hours


async def test_the_lake_service_across_a_graceful_restart(lake_env: LakeEnv) -> None:
    """The service as the stack runs it: a stop writes what it buffered; the next start goes on from the commit."""
    group = lake_env.group()
    ends = await asyncio.to_thread(end_offsets, lake_env.stack, TOPIC)
    await asyncio.to_thread(rewind_group, lake_env.stack, group, ends)
    overrides = {
        "lake_topics": [TOPIC],
        "lake_bucket": lake_env.lake_bucket,
        "consumer_group": group,
        "consumer_ready_seconds": 30,
        "compact_every_seconds": 0,
        "flush_max_age_seconds": 3600,
    }
    base = datetime.now(UTC) - timedelta(hours=1)
    first, second = some_events(20, base), some_events(20, base)
    server, _ = await start_service(build, LakeSettings, lake_env.stack, **overrides)
    await lake_env.publish(first)
    await wait_for(
        lambda: REGISTRY.get_sample_value("feedmesh_lake_buffered_events"),
        lambda value: value == 20,
        what="the first events buffered",
        within=30,
    )
    assert await asyncio.to_thread(group_lag, lake_env.stack, group, TOPIC) == 20, "held in memory, not committed"
    await server.stop(grace=0)
    server, address = await start_service(build, LakeSettings, lake_env.stack, **overrides)
    try:
        await lake_env.publish(second)
        async with grpc.aio.insecure_channel(address) as channel:
            answer = await LakeServiceStub(channel).Flush(FlushRequest(), timeout=60)
        assert answer.offsets_through >= 40
    finally:
        await server.stop(grace=0)
    ids = {e.event_id for e in first + second}
    stored = await copies(lake_env, TYPES, ids)
    assert set(stored) == ids and set(stored.values()) == {1}
