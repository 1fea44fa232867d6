"""The write path: what the timeline does with each post and graph event (at least once: every write here is
an idempotent upsert or delete, so a replayed event changes nothing)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from services.timeline.app.fanout_delivery import (
    FanoutBatch,
    FanoutDelivery,
    in_flight_name,
    observe_push,
    push_home,
    to_store,
)
from services.timeline.app.materialize import Materializer
from services.timeline.app.metrics import EVENTS, FANOUT_DELIVERIES, FANOUT_TASKS, FRESHNESS, POST_EVENT_STAGES
from services.timeline.app.peer_caches import CachedFollowers
from services.timeline.app.ports import (
    FanoutChunk,
    FanoutQueue,
    Graph,
    PostsInFlight,
    Reach,
    Readers,
    RecentPosts,
    StreamKind,
    TimelineCaches,
    TimelineStore,
    Tombstones,
)
from services.timeline.domain.fanout_plan import Delivery, FanoutPolicy, Publication, plan_page

log = logging.getLogger(__name__)

# How far the post service's clock (a post's publication time) may run ahead of this process's.
CLOCK_SKEW_MS = 30_000


class PostEvents:
    """feedmesh.posts: every post goes to its author's timeline and home timeline and, unless the author is a
    celebrity, is pushed to the followers (inline, or in fanout tasks), all at once."""

    def __init__(
        self,
        *,
        timelines: TimelineCaches,
        recent_posts: RecentPosts,
        in_flight: PostsInFlight,
        readers: Readers,
        store: TimelineStore,
        graph: Graph,
        queue: FanoutQueue,
        policy: FanoutPolicy,
        tombstones: Tombstones,
        followers: CachedFollowers,
    ):
        self.timelines = timelines
        self.recent_posts = recent_posts
        self.delivery = FanoutDelivery(timelines=timelines, readers=readers, in_flight=in_flight, queue=queue)
        self.store = store
        self.graph = graph
        self.followers = followers
        self.tombstones = tombstones
        self.policy = policy

    async def published(self, event_id: str, post_id: int, author_id: int, create_time_ns: int) -> None:
        await self.published_many([Publication(event_id, post_id, author_id, create_time_ns)])

    async def published_many(self, publications: Sequence[Publication]) -> None:
        """Publications that do not depend on each other (consecutive events of their authors), handled by author:
        each author's followers are listed once for all of its posts, however many it posted at once."""
        await (await self.make_visible(publications))

    async def make_visible(self, publications: Sequence[Publication]) -> asyncio.Future[None]:
        """`published_many` up to what makes the posts visible (notes, pushes, tasks sent); returns the durable
        remainder, still running (the author's timeline in Cassandra, the tasks' acknowledgements): the events are
        done when it is. The consumer polls its next batch meanwhile instead of waiting for Cassandra, which the
        durable writes keep busy."""
        by_author: dict[int, list[Publication]] = {}
        for publication in publications:
            by_author.setdefault(publication.author_id, []).append(publication)
        outcomes = await asyncio.gather(
            *(self._published(author, posts) for author, posts in by_author.items()), return_exceptions=True
        )
        failed = [o for o in outcomes if isinstance(o, BaseException)]
        remainders = [o for o in outcomes if not isinstance(o, BaseException)]
        if failed:
            for remainder in remainders:
                remainder.add_done_callback(forget_failure)
            raise failed[0]
        return asyncio.ensure_future(all_of(remainders))

    async def _published(self, author_id: int, posts: list[Publication]) -> asyncio.Future[None]:
        EVENTS.labels("post_published").inc(len(posts))
        started = time.perf_counter()
        ids = [p.post_id for p in posts]
        # Noted before the followers are listed: a follow that the listing misses is backfilled from the author's
        # timeline and these notes (Materializer), so it gets the posts even while their write to the author's
        # timeline in Cassandra is in flight, which the push does not wait for.
        version = await self.recent_posts.note_published(author_id, ids)
        authored = asyncio.create_task(self._authored(author_id, ids, started))
        own_home = asyncio.ensure_future(self._own_home(author_id, ids, posts))
        batch = FanoutBatch(author_id, posts, started, own_home)
        try:
            await asyncio.gather(own_home, self._fan_out(author_id, posts, version, batch))
        except BaseException:
            for task in (authored, *batch.sent):
                task.add_done_callback(forget_failure)
            raise
        return asyncio.ensure_future(self._durable_remainder(authored, batch.sent, started))

    async def _durable_remainder(
        self, authored: asyncio.Task[None], sent: list[asyncio.Task[None]], started: float
    ) -> None:
        """The author's timeline write and the fanout tasks' acknowledgements."""
        await all_of([authored, *sent])
        if sent:
            POST_EVENT_STAGES.labels("enqueued").observe(time.perf_counter() - started)

    async def _authored(self, author_id: int, ids: list[int], started: float) -> None:
        """The author's timeline in Cassandra (the source of truth of pulls and backfills), then its Redis cache: in
        that order, so that a build of the cache that read Cassandra before the write has this add buffered."""
        await asyncio.gather(*(self.store.add_authored(author_id, post_id) for post_id in ids))
        POST_EVENT_STAGES.labels("authored").observe(time.perf_counter() - started)
        await self.timelines.add(StreamKind.AUTHOR, {author_id: ids})

    async def _own_home(self, author_id: int, ids: list[int], posts: list[Publication]) -> Reach:
        """The author's own home timeline in Redis, pushed like a follower's. Its row in Cassandra goes out with the
        fanout tasks (domain.fanout_plan.own_rows), for the durable group to write like a follower's, so that no
        batch of post events waits for Cassandra, which a burst's durable writes keep busy."""
        ((reached,),) = await self.timelines.push_home([(ids, [author_id])])
        for p in posts:
            if p.create_time_ns:
                FRESHNESS.labels("own").observe(max(0.0, time.time() - p.create_time_ns / 1e9))
        return reached

    async def _fan_out(self, author_id: int, posts: list[Publication], version: str, batch: FanoutBatch) -> None:
        """Lists the author's followers page by page, plans each page (domain.fanout_plan) and delivers it.
        `version`: the author's relationship version read after the posts were noted (a listing of it will do)."""
        cached = self.followers.get(author_id, version)
        listed: list[int] = []  # the pages so far, to keep the listing when it is complete
        listed_at = ""
        cursor = ""
        first = True
        while True:
            page = cached or await self.graph.follower_page(author_id, cursor, self.policy.follower_page)
            if first:
                listed_at = page.version
                POST_EVENT_STAGES.labels("listed").observe(time.perf_counter() - batch.started)
            plan = plan_page(
                author_id,
                posts,
                page.ids,
                first=first,
                last=not page.cursor,
                celebrity=page.celebrity,  # the graph's decision
                policy=self.policy,
            )
            await self.delivery.deliver(batch, plan)
            if plan.delivery is Delivery.PULLED:
                return
            if cached is None and listed_at:
                listed.extend(page.ids)
            if not page.cursor:
                if cached is None:
                    self.followers.put(author_id, listed_at, listed, page.count)
                return
            cursor, first = page.cursor, False

    async def deleted(self, post_id: int, author_id: int) -> None:
        """Reads already drop deleted posts (the post service marked the tombstone before DeletePost returned; the
        mark is repeated here in case that failed); this reclaims the author's timelines. Followers' home timelines
        keep the id until trimmed (see the service README)."""
        EVENTS.labels("post_deleted").inc()
        await self.tombstones.mark_deleted([post_id])
        await self.store.remove_authored(author_id, post_id)
        await self.timelines.remove(StreamKind.AUTHOR, author_id, [post_id])
        await self.store.remove_home(author_id, [post_id])
        await self.timelines.remove(StreamKind.HOME, author_id, [post_id])


class GraphEvents:
    """feedmesh.graph: follows are backfilled, unfollows and blocks cleaned up. Reads do not wait for any of it:
    they pull followees that are not materialized yet and filter authors no longer followed."""

    def __init__(self, *, readers: Readers, materializer: Materializer):
        self.readers = readers
        self.materializer = materializer

    async def followed(self, follower_id: int, followee_id: int) -> None:
        EVENTS.labels("user_followed").inc()
        (active,) = await self.readers.active_readers([follower_id])
        if active:  # an inactive reader's timeline is rebuilt when it comes back
            await self.materializer.backfill(follower_id, followee_id)

    async def unfollowed(self, follower_id: int, followee_id: int) -> None:
        EVENTS.labels("user_unfollowed").inc()
        await self.materializer.forget(follower_id, followee_id)

    async def blocked(self, blocker_id: int, blocked_id: int) -> None:
        EVENTS.labels("user_blocked").inc()
        await self.materializer.forget(blocker_id, blocked_id)
        await self.materializer.forget(blocked_id, blocker_id)


FaultHook = Callable[[str, FanoutChunk], Awaitable[None]]


async def all_of(awaitables: Sequence[Awaitable[None]]) -> None:
    """Waits for all of them, then raises the first failure, if any (none is left running or unretrieved)."""
    outcomes = await asyncio.gather(*awaitables, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


def forget_failure(task: asyncio.Future[Any]) -> None:
    """Done callback of work whose failure is reported elsewhere: marks its exception retrieved."""
    if not task.cancelled():
        task.exception()


class CacheFanout:
    """feedmesh.fanout, group <prefix>-fanout: the hot path. Pushes each chunk's post id into the Redis home
    timelines of its active followers, one server-side script call per chunk and one round trip per polled
    batch, without waiting for Cassandra: this is what makes a post visible. A chunk with an active follower that
    has no cache stays in flight until StoreFanout has written it to Cassandra, where that follower's reads look."""

    def __init__(self, *, timelines: TimelineCaches, in_flight: PostsInFlight):
        self.timelines = timelines
        self.in_flight = in_flight

    async def deliver(self, chunks: list[FanoutChunk]) -> int:
        todo = [c for c in chunks if not c.cache_written]
        reached = await push_home(self.timelines, todo)
        await self.in_flight.end_in_flight(
            [in_flight_name(c) for c in todo if c.follower_ids], [in_flight_name(c) for c in to_store(todo, reached)]
        )
        delivered = observe_push(todo, reached)
        FANOUT_DELIVERIES.labels("redis").inc(delivered)
        FANOUT_TASKS.labels("cached").inc(len(todo))
        return delivered


class StoreFanout:
    """feedmesh.fanout, group <prefix>-fanout-store: the durable path, at its own pace. Writes the rows of every
    active follower into Cassandra's home_timeline, then pushes the post into Redis once more to the readers whose
    cache began to be rebuilt from Cassandra since the post was published: the hot push found no cache to write
    into for them, and their rebuild may have read Cassandra before these rows. Everyone else already has it, so
    the usual second push is to nobody, which spares the hot path's Redis a second push to every follower. The
    chunks left in flight for this write (pushed to a follower with no cache) are then done."""

    def __init__(
        self,
        *,
        timelines: TimelineCaches,
        readers: Readers,
        store: TimelineStore,
        in_flight: PostsInFlight,
        fault: FaultHook | None = None,
    ):
        self.timelines = timelines
        self.readers = readers
        self.store = store
        self.in_flight = in_flight
        self.fault = fault

    async def deliver(self, chunks: list[FanoutChunk]) -> int:
        followers = sorted({f for c in chunks for f in c.follower_ids})
        active = dict(zip(followers, await self.readers.active_readers(followers), strict=True))
        # The author's own row whatever its activity (PostEvents sends it here): a reader is never pull-only for its
        # own posts (domain.delivery.plan_read).
        rows = [(f, c.post_id, c.author_id) for c in chunks for f in c.follower_ids if active[f] or f == c.author_id]
        if rows:
            await self.store.add_home(rows)
        if self.fault is not None:
            for chunk in chunks:
                await self.fault("stored", chunk)
        await push_home(self.timelines, await self._rebuilt_since_published(chunks))
        # Last: a reader the hot push found with no cache reads these rows from now on.
        await self.in_flight.stored([in_flight_name(c) for c in chunks if c.follower_ids])
        FANOUT_DELIVERIES.labels("cassandra").inc(len(rows))
        FANOUT_TASKS.labels("stored").inc(len(chunks))
        return len(rows)

    async def _rebuilt_since_published(self, chunks: list[FanoutChunk]) -> list[FanoutChunk]:
        since_ms = min(c.create_time_ns for c in chunks) // 1_000_000 - CLOCK_SKEW_MS
        rebuilt = await self.timelines.readers_filled_since(since_ms) if since_ms > 0 else None
        if rebuilt is None:  # publication time unknown, or older than the cache remembers: every reader again
            return chunks
        again = [replace(c, follower_ids=[f for f in c.follower_ids if f in rebuilt]) for c in chunks]
        return [c for c in again if c.follower_ids]
