"""The timeline's use cases on the in-memory fakes of its ports, write path and read path together: a rig that
publishes, follows and reads, and the model of what a feed must hold (the contract rule)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from services.common.visibility import Visibility
from services.timeline.app.author_cache import CachedAuthors
from services.timeline.app.background import Background
from services.timeline.app.chronological_feed import ChronologicalFeed
from services.timeline.app.feed import GetFeed
from services.timeline.app.feed_candidates import CandidateCollector
from services.timeline.app.feed_upkeep import FeedUpkeep
from services.timeline.app.hydration import Hydrator
from services.timeline.app.impressions import Impressions
from services.timeline.app.ingest import CacheFanout, GraphEvents, PostEvents, StoreFanout
from services.timeline.app.materialize import Materializer
from services.timeline.app.peer_caches import CachedFollowees, CachedFollowers, CachedPosts
from services.timeline.app.post_stats_cache import CachedPostStats
from services.timeline.app.ranked_feed import RankedFeed
from services.timeline.app.ranked_windows import RankedWindows
from services.timeline.app.read_planner import ReadPlanner
from services.timeline.app.streams import StreamReader
from services.timeline.app.visibility_filter import VisibilityFilter
from services.timeline.app.warmed_candidates import WarmedCandidates
from services.timeline.domain.cursor import FeedCursor, FeedMode
from services.timeline.domain.fanout_plan import FanoutPolicy
from services.timeline.domain.feed import Post
from tests.unit.timeline.fakes import (
    FakeCache,
    FakeEngagement,
    FakeImpressionLog,
    FakeQueue,
    FakeRanker,
    FakeStore,
    FakeUserCounts,
    FakeUsers,
    FakeWorld,
)


@dataclass
class Rig:
    world: FakeWorld
    cache: FakeCache
    store: FakeStore
    queue: FakeQueue
    background: Background
    get_feed: GetFeed
    posts: PostEvents
    graph_events: GraphEvents
    hot: CacheFanout
    durable: StoreFanout
    impressions: FakeImpressionLog
    next_id: int = 1000

    async def publish(self, author: int, visibility: Visibility = Visibility.PUBLIC) -> int:
        self.next_id += random.randint(1, 5)
        post = Post(id=self.next_id, author_id=author, text="t", visibility=visibility, create_time_ns=0)
        self.world.posts[post.id] = post
        await self.posts.published(f"e{post.id}", post.id, author, 0)
        await self.deliver()
        return post.id

    async def deliver(self) -> None:
        chunks, self.queue.chunks = self.queue.chunks, []
        if chunks:
            await self.hot.deliver(chunks)
            await self.durable.deliver(chunks)

    async def follow(self, follower: int, followee: int, *, process: bool = True) -> None:
        self.world.follows[follower].add(followee)
        if process:
            await self.graph_events.followed(follower, followee)

    async def feed(self, viewer: int, limit: int, mode: FeedMode = FeedMode.CHRONOLOGICAL) -> list[int]:
        seen: list[int] = []
        cursor = FeedCursor()
        for _ in range(1000):
            page = await self.get_feed(viewer, cursor, limit, mode)
            assert len(page.items) <= limit
            seen.extend(i.post.id for i in page.items)
            if page.next_cursor is None:
                await self.background.drain()
                return seen
            assert len(page.items) == limit, "a page is full unless the feed ends"
            cursor = FeedCursor.decode(page.next_cursor.encode())
        raise AssertionError("the feed never ended")

    def expected(self, viewer: int) -> list[int]:
        authors = self.world.follows[viewer] | {viewer}
        return sorted(
            (
                p.id
                for p in self.world.posts.values()
                if p.author_id in authors
                and (
                    p.author_id == viewer
                    or p.visibility is not Visibility.CLOSE_FRIENDS
                    or (p.author_id, viewer) in self.world.close_friends
                )
            ),
            reverse=True,
        )


def post_events(
    cache: FakeCache, store: FakeStore, world: FakeWorld, queue: FakeQueue, policy: FanoutPolicy
) -> PostEvents:
    """PostEvents on the fakes: the cache plays every Redis port, the world the graph and the tombstones."""
    return PostEvents(
        timelines=cache,
        recent_posts=cache,
        in_flight=cache,
        readers=cache,
        store=store,
        graph=world,
        queue=queue,
        policy=policy,
        tombstones=world,
        followers=CachedFollowers(max_ids=1000),
    )


def make_rig(
    *,
    threshold: int = 3,
    home_max: int = 10,
    depth: int = 800,
    ranker: FakeRanker | None = None,
    window_tombstones: bool = True,
    reuse_seconds: float = 30.0,
) -> Rig:
    """`window_tombstones`: the home window read says which of its posts are deleted (as the real cache does while
    the tombstone set is complete)."""
    world = FakeWorld(threshold)
    cache = FakeCache({"h": home_max, "a": 8})
    if window_tombstones:
        cache.tombstones = world
    cache.versions = world.version_of
    store = FakeStore()
    queue = FakeQueue()
    background = Background()
    streams = StreamReader(cache=cache, store=store, background=background, home_max=home_max, author_max=8)
    materializer = Materializer(timelines=cache, readers=cache, recent_posts=cache, store=store, depth=depth)
    visibility = VisibilityFilter(posts=CachedPosts(world, world, size=1000, max_age_seconds=3600))
    candidates = CandidateCollector(streams=streams, visibility=visibility, warmed=WarmedCandidates(seconds=30.0))
    authors = CachedAuthors(
        users=FakeUsers(),
        counts=FakeUserCounts(),
        background=background,
        size=100,
        readers=100,
        profile_max_age_seconds=60,
        counts_max_staleness_seconds=2,
    )
    engagement = FakeEngagement()
    post_stats = CachedPostStats(
        engagement=engagement, background=background, posts=100, readers=100, max_staleness_seconds=2
    )
    hydrator = Hydrator(authors=authors, post_stats=post_stats)
    upkeep = FeedUpkeep(
        readers=cache, locks=cache, materializer=materializer, candidates=candidates, background=background
    )
    chronological = ChronologicalFeed(candidates=candidates, hydrator=hydrator, upkeep=upkeep)
    ranked = RankedFeed(
        id_lists=cache,
        candidates=candidates,
        visibility=visibility,
        hydrator=hydrator,
        chronological=chronological,
        upkeep=upkeep,
        counts=post_stats,
        ranker=ranker or FakeRanker(enabled=False),
        windows=RankedWindows(size=100, seconds=reuse_seconds),
        window_size=12,
    )
    planner = ReadPlanner(read_start=cache, followees=CachedFollowees(world, size=100, max_age_seconds=60))
    posts = post_events(cache, store, world, queue, FanoutPolicy(chunk_size=2, inline_max=2))
    impressions = FakeImpressionLog()
    get_feed = GetFeed(
        planner=planner,
        upkeep=upkeep,
        chronological=chronological,
        ranked=ranked,
        impressions=Impressions(log=impressions, sample=1.0),
    )
    return Rig(
        world=world,
        cache=cache,
        store=store,
        queue=queue,
        background=background,
        get_feed=get_feed,
        posts=posts,
        graph_events=GraphEvents(readers=cache, materializer=materializer),
        hot=CacheFanout(timelines=cache, in_flight=cache),
        durable=StoreFanout(timelines=cache, readers=cache, store=store, in_flight=cache),
        impressions=impressions,
    )
