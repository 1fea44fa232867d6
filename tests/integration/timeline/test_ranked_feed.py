"""Ranked feeds against the real stack, with the ranking service started in-process (no model published in its
bucket: the cold-start heuristic; one experiment of one arm) and a read-only timeline replica pointed at it,
sharing the mesh's Redis keys and Cassandra rows. Paged to its end while new posts arrive, a ranked feed holds
exactly the chronological feed's posts of when it started, each once; its pages name the model and the arm; every
item's impression reaches Kafka with its position across pages. A ranking service that cannot answer degrades the
page to chronological."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from feedmesh.events.internal.v1 import events_pb2
from feedmesh.timeline.v1 import timeline_service_pb2, timeline_service_pb2_grpc
from kafka.admin import NewTopic

from services.common import redis_keys
from services.common.polling import wait_for
from services.common.ranking_features import AFFINITY, pack
from services.common.server import GrpcServer
from services.ranking.settings import RankingSettings
from services.ranking.wiring import build as build_ranking
from services.timeline.settings import TimelineSettings
from services.timeline.wiring import build as build_timeline
from stack import clients
from stack.settings import StackSettings
from tests.integration.harness import start_service
from tests.integration.kafka_reading import read_all
from tests.integration.timeline.conftest import Mesh, as_user
from tests.integration.timeline.test_feed import follow, publish

WINDOW = 12


@dataclass
class Ranked:
    timeline: timeline_service_pb2_grpc.TimelineServiceStub
    impressions_topic: str

    async def page(self, viewer: int, cursor: str, limit: int) -> timeline_service_pb2.GetFeedResponse:
        request = timeline_service_pb2.GetFeedRequest(cursor=cursor, limit=limit, mode="ranked")
        return await self.timeline.GetFeed(request, metadata=as_user(viewer))


# What a replica shares with the mesh's timeline: its peers and its keys.
SHARED = (
    "auth_target",
    "graph_target",
    "post_target",
    "redis_prefix",
    "home_timeline_max",
    "author_timeline_max",
    "backfill_depth",
    "consumer_group_prefix",
)


async def replica(mesh: Mesh, stack_settings: StackSettings, **overrides: Any) -> tuple[GrpcServer, str]:
    """A read-only timeline on the mesh's peers and keys."""
    shared = {name: getattr(mesh.timeline_settings, name) for name in SHARED}
    return await start_service(
        build_timeline,
        TimelineSettings,
        stack_settings,
        consumer_roles="none",
        engagement_target="",
        **shared,
        **overrides,
    )


@pytest.fixture(scope="module")
def experiments_file(tmp_path_factory: Any) -> Path:
    """One experiment of one arm with the newest model: none is published, so the heuristic scores."""
    path: Path = tmp_path_factory.mktemp("ranking") / "experiments.toml"
    path.write_text('[[experiment]]\nname = "ab"\n[[experiment.arm]]\nname = "all"\nshare = 1.0\n')
    return path


@pytest.fixture(scope="module")
def impressions_topic(stack_settings: StackSettings) -> str:
    """A topic of this module's own: every impression on it is this module's."""
    topic = f"feedmesh.test-impressions-{uuid.uuid4().hex[:8]}"
    admin = clients.kafka_admin(stack_settings)
    try:
        admin.create_topics([NewTopic(topic, 1, 1)])
    finally:
        admin.close()
    return topic


@pytest.fixture(scope="module")
async def ranked(
    mesh: Mesh, stack_settings: StackSettings, experiments_file: Path, impressions_topic: str
) -> AsyncIterator[Ranked]:
    experiments, topic = experiments_file, impressions_topic
    servers: list[GrpcServer] = []
    channel: grpc.aio.Channel | None = None
    try:
        ranking, ranking_address = await start_service(
            build_ranking,
            RankingSettings,
            stack_settings,
            models_bucket=f"feedmesh-test-no-models-{uuid.uuid4().hex[:8]}",
            experiments_file=str(experiments),
        )
        servers.append(ranking)
        timeline, address = await replica(
            mesh,
            stack_settings,
            ranking_target=ranking_address,
            rank_candidates=WINDOW,
            # Generous: this test is about the order, not the budget (a loaded test machine would degrade pages).
            rank_deadline_ms=2000,
            impressions_topic=topic,
            impression_sample=1.0,  # every page's impressions, which the test reads back
        )
        servers.append(timeline)
        channel = grpc.aio.insecure_channel(address)
        yield Ranked(timeline_service_pb2_grpc.TimelineServiceStub(channel), topic)
    finally:
        if channel is not None:
            await channel.close()
        for server in reversed(servers):
            await server.stop(grace=0)


def liked_author(redis_client: Any, viewer: int, author: int) -> None:
    affinity = [0.0] * len(AFFINITY)
    affinity[AFFINITY.index("aff_likes_30d")] = 40.0
    redis_client.hset(redis_keys.ranking_affinity(viewer), str(author), pack(affinity))
    redis_client.expire(redis_keys.ranking_affinity(viewer), 600)


def impressions_of(stack_settings: StackSettings, topic: str, viewer: int) -> list[Any]:
    records = read_all(stack_settings, topic, 1)
    key = str(viewer).encode()
    return [events_pb2.Event.FromString(r.value).feed_impression for r in records if r.key == key]


async def test_a_ranked_feed_paged_to_its_end_holds_the_chronological_feed_once(
    mesh: Mesh, ranked: Ranked, redis_client: Any, stack_settings: StackSettings
) -> None:
    viewer, liked, other = await mesh.new_user(), await mesh.new_user(), await mesh.new_user()
    # Celebrities (pulled from their own timelines): the feed then does not wait for the durable fanout group,
    # which shares its topic with whatever else runs on the stack.
    for author in (liked, other):
        for follower in (viewer, await mesh.new_user(), await mesh.new_user()):
            await follow(mesh, follower, author)
    for n in range(10):
        await publish(mesh, other, f"other {n}")
        await publish(mesh, liked, f"liked {n}")

    async def chronological_feed() -> list[int]:
        return await mesh.feed(viewer, limit=4)

    chronological = await wait_for(
        chronological_feed, lambda ids: len(ids) == 20, what="20 posts in the feed", within=120
    )
    liked_author(redis_client, viewer, liked)

    served: list[int] = []
    pages = []
    cursor = ""
    while True:
        page = await ranked.page(viewer, cursor, 4)
        pages.append(page)
        served.extend(i.post.id for i in page.items)
        await publish(mesh, other, "new while paging")  # above the window: never on this feed's pages
        if not page.next_cursor:
            break
        assert len(page.items) == 4
        cursor = page.next_cursor
    assert len(served) == len(set(served)) == 20
    assert set(served) == set(chronological)
    assert {i.post.author_id for i in pages[0].items} == {liked}  # the affinity, not the time, ordered the window
    assert served != chronological
    assert not any(p.degraded for p in pages)
    assert [(p.model_version, p.experiment) for p in pages[:3]] == [("heuristic", "ab/all")] * 3
    assert all(p.model_version == "" for p in pages[4:])  # below the window: chronological

    async def logged() -> list[Any]:
        return await asyncio.to_thread(impressions_of, stack_settings, ranked.impressions_topic, viewer)

    shown = await wait_for(logged, lambda got: len(got) >= 20, what="20 impressions of the viewer", within=30)
    assert [i.post_id for i in shown] == served
    assert [i.position for i in shown] == list(range(20))
    assert [i.mode for i in shown] == ["ranked"] * WINDOW + ["chronological"] * (20 - WINDOW)
    assert {(i.model_version, i.experiment) for i in shown[:WINDOW]} == {("heuristic", "ab/all")}
    assert len({i.page_id for i in shown}) == 5


async def test_a_ranking_service_that_does_not_answer_degrades_the_page(
    mesh: Mesh, stack_settings: StackSettings
) -> None:
    author, viewer = await mesh.new_user(), await mesh.new_user()
    await follow(mesh, viewer, author)
    posts = [await publish(mesh, author, f"d{n}") for n in range(5)]

    async def chronological_feed() -> list[int]:
        return await mesh.feed(viewer)

    await wait_for(chronological_feed, lambda ids: len(ids) == 5, what="5 posts in the feed", within=120)
    server, address = await replica(mesh, stack_settings, ranking_target="127.0.0.1:1")
    channel = grpc.aio.insecure_channel(address)
    try:
        page = await timeline_service_pb2_grpc.TimelineServiceStub(channel).GetFeed(
            timeline_service_pb2.GetFeedRequest(limit=3, mode="ranked"), metadata=as_user(viewer)
        )
    finally:
        await channel.close()
        await server.stop(grace=0)
    assert page.degraded is True
    assert (page.model_version, page.experiment) == ("", "")
    assert [i.post.id for i in page.items] == sorted(posts, reverse=True)[:3]
