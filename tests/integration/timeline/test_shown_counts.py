"""The counts a page shows, against real servers: authors' follower and following counts (graph) and posts' likes,
comments, shares and likedByMe (engagement), on the feed, GET post and a user's posts. The actor's own follow or
like shows on the actor's next read; anyone else's change within the timeline's staleness bound.

Beside the package's mesh (whose timeline consumes the events) run an engagement service, a post service that asks
it for counts, and a read-only timeline replica (the stack's read server's shape) on the same Redis keys that
hydrates its pages from it."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from feedmesh.engagement.v1 import engagement_service_pb2 as eng
from feedmesh.engagement.v1 import engagement_service_pb2_grpc
from feedmesh.post.v1 import post_pb2, post_service_pb2, post_service_pb2_grpc
from feedmesh.timeline.v1 import timeline_service_pb2, timeline_service_pb2_grpc

from services.common.polling import wait_for
from services.common.server import GrpcServer
from services.engagement.settings import EngagementSettings
from services.engagement.wiring import build as build_engagement
from services.post.settings import PostSettings
from services.post.wiring import build as build_post
from services.timeline.wiring import build as build_timeline
from stack.settings import StackSettings
from tests.integration.harness import apply_migrations, start_service
from tests.integration.timeline.conftest import Mesh, as_user
from tests.integration.timeline.test_feed import follow, publish

BOUND = 3.0  # the read replica's counts_max_staleness_seconds
AFTER_THE_BOUND = BOUND + 1.0  # how long another viewer may wait for a change, the test's slack included


@dataclass
class Readers:
    """The servers that show counts: the feed (a timeline read replica) and the post service's reads."""

    timeline: timeline_service_pb2_grpc.TimelineServiceStub
    post: post_service_pb2_grpc.PostServiceStub
    engagement: engagement_service_pb2_grpc.EngagementServiceStub

    async def feed_items(self, viewer: int) -> dict[int, timeline_service_pb2.FeedItem]:
        page = await self.timeline.GetFeed(
            timeline_service_pb2.GetFeedRequest(limit=20, mode="chronological"), metadata=as_user(viewer)
        )
        return {item.post.id: item for item in page.items}

    async def followers_shown(self, viewer: int, post_id: int) -> int:
        """The follower count of the post's author, as the viewer's feed shows it."""
        return int((await self.feed_items(viewer))[post_id].author.follower_count)

    async def get_post(self, viewer: int, post_id: int) -> post_pb2.Post:
        return await self.post.GetPost(post_service_pb2.GetPostRequest(post_id=post_id), metadata=as_user(viewer))

    async def user_post(self, viewer: int, author: int, post_id: int) -> post_pb2.Post:
        page = await self.post.ListUserPosts(
            post_service_pb2.ListUserPostsRequest(user_id=author, limit=20), metadata=as_user(viewer)
        )
        return next(p for p in page.posts if p.id == post_id)


@pytest.fixture(scope="module")
async def readers(mesh: Mesh, stack_settings: StackSettings) -> AsyncIterator[Readers]:
    await apply_migrations(stack_settings, below=50)  # up to the engagement range
    peers = mesh.timeline_settings
    servers: list[GrpcServer] = []
    try:
        engagement, engagement_address = await start_service(
            build_engagement,
            EngagementSettings,
            stack_settings,
            post_target=peers.post_target,
            graph_target=peers.graph_target,
        )
        servers.append(engagement)
        post, post_address = await start_service(
            build_post,
            PostSettings,
            stack_settings,
            auth_target=peers.auth_target,
            graph_target=peers.graph_target,
            media_target="127.0.0.1:1",
            engagement_target=engagement_address,
        )
        servers.append(post)
        replica = dataclasses.replace(
            peers, consumer_roles=("none",), engagement_target=engagement_address, counts_max_staleness_seconds=BOUND
        )
        timeline = await build_timeline(replica)
        servers.append(timeline)
        timeline_address = f"127.0.0.1:{await timeline.start()}"
        async with (
            grpc.aio.insecure_channel(timeline_address) as to_timeline,
            grpc.aio.insecure_channel(post_address) as to_post,
            grpc.aio.insecure_channel(engagement_address) as to_engagement,
        ):
            yield Readers(
                timeline=timeline_service_pb2_grpc.TimelineServiceStub(to_timeline),
                post=post_service_pb2_grpc.PostServiceStub(to_post),
                engagement=engagement_service_pb2_grpc.EngagementServiceStub(to_engagement),
            )
    finally:
        for server in reversed(servers):
            await server.stop(grace=0)


async def test_a_follow_shows_in_the_followees_count_on_the_followers_next_read_and_to_others_within_the_bound(
    mesh: Mesh, readers: Readers
) -> None:
    author, fan, reader, latecomer = [await mesh.new_user() for _ in range(4)]
    await follow(mesh, fan, author)
    post = await publish(mesh, author, "counted")
    own_post = await publish(mesh, reader, "mine")
    await mesh.settle()
    assert await readers.followers_shown(fan, post) == 1  # the author's counts are kept in the replica now
    kept_at = time.monotonic()
    before = await readers.feed_items(reader)  # the replica has seen the reader's relationships
    assert post not in before and before[own_post].author.following_count == 0

    await follow(mesh, reader, author)
    shown = await readers.feed_items(reader)  # the very next read
    assert time.monotonic() - kept_at < BOUND, "too slow to tell: the counts kept for the fan had expired"
    assert shown[post].author.follower_count == 2
    assert shown[own_post].author.following_count == 1

    await follow(mesh, latecomer, author)  # someone the fan has nothing to do with
    await wait_for(
        lambda: readers.followers_shown(fan, post),
        lambda count: count == 3,
        what="the third follower in the author's count on the fan's feed, within the bound",
        within=AFTER_THE_BOUND,
        interval=0.1,
    )


async def test_a_like_comment_and_share_show_on_the_actors_next_read_everywhere_and_to_others(
    mesh: Mesh, readers: Readers
) -> None:
    author, fan, other = [await mesh.new_user() for _ in range(3)]
    await follow(mesh, fan, author)
    await follow(mesh, other, author)
    post = await publish(mesh, author, "like me")
    await mesh.settle()
    item = (await readers.feed_items(fan))[post]
    assert (item.post.like_count, item.liked_by_me) == (0, False)

    liked = await readers.engagement.LikePost(eng.LikePostRequest(post_id=post), metadata=as_user(fan))
    assert liked.like_count == 1
    await readers.engagement.CreateComment(eng.CreateCommentRequest(post_id=post, text="nice"), metadata=as_user(fan))
    await readers.engagement.SharePost(eng.SharePostRequest(post_id=post), metadata=as_user(fan))

    item = (await readers.feed_items(fan))[post]
    counts = (item.post.like_count, item.post.comment_count, item.post.share_count)
    assert (counts, item.liked_by_me) == ((1, 1, 1), True)
    for shown in (await readers.get_post(fan, post), await readers.user_post(fan, author, post)):
        assert (shown.like_count, shown.comment_count, shown.share_count) == (1, 1, 1)

    seen = await wait_for(
        lambda: readers.feed_items(other),
        lambda items: items[post].post.like_count == 1,
        what="the fan's like on another follower's feed",
        within=AFTER_THE_BOUND,
        interval=0.1,
    )
    assert seen[post].liked_by_me is False
    assert (await readers.get_post(other, post)).like_count == 1

    await readers.engagement.UnlikePost(eng.UnlikePostRequest(post_id=post), metadata=as_user(fan))
    item = (await readers.feed_items(fan))[post]
    assert (item.post.like_count, item.liked_by_me) == (0, False)
    assert (await readers.user_post(fan, author, post)).like_count == 0
