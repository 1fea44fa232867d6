"""The write path: what the timeline does with each post and graph event (at least once: every write here is
an idempotent upsert or delete, so a replayed event changes nothing)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from services.timeline.app.materialize import Materializer
from services.timeline.app.metrics import (
    EVENTS,
    FANOUT_DELIVERIES,
    FANOUT_SKIPPED_INACTIVE,
    FANOUT_TASKS,
    FRESHNESS,
    POST_EVENT_STAGES,
)
from services.timeline.app.peer_caches import CachedFollowers
from services.timeline.app.ports import (
    FanoutChunk,
    FanoutQueue,
    Graph,
    PostsInFlight,
    Readers,
    RecentPosts,
    StreamKind,
    TimelineCaches,
    TimelineStore,
    Tombstones,
)
from services.timeline.domain.delivery import by_audience, chunked

log = logging.getLogger(__name__)

# How far the post service's clock (a post's publication time) may run ahead of this process's.
CLOCK_SKEW_MS = 30_000


@dataclass(frozen=True)
class Publication:
    """A post.published event."""

    event_id: str
    post_id: int
    author_id: int
    create_time_ns: int


@dataclass(frozen=True)
class FanoutPolicy:
    chunk_size: int = 500
    # Audiences up to this many followers are pushed into Redis by the post events consumer itself, a Kafka hop
    # sooner and never queued in a fanout worker behind a large audience's chunks; larger ones are shared by the
    # fanout workers.
    inline_max: int = 1_000
    # Follower ids per ListFollowerIds call: the graph's maximum, so an audience below the default celebrity threshold
    # is listed in one call and all its tasks go out together. With pages of 5,000, the second half of a 10k
    # author's followers waited for a second call: for one post on an idle stack, the median of 20 sampled followers
    # saw it after 122-132 ms, with 10,000 after 93-103 ms (four runs of 15 posts each; the last of the 20 did not
    # move consistently: 131-221 ms against 157-209). The price is in bursts: 20 posts of that author at once
    # reached 169-171k deliveries/s instead of 182-185k (pages of 5,000 let the first half's tasks go out while the
    # second half was listed). A single post's latency is what readers see.
    follower_page: int = 10_000


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
        self.in_flight = in_flight
        self.readers = readers
        self.store = store
        self.graph = graph
        self.followers = followers
        self.tombstones = tombstones
        self.queue = queue
        self.policy = policy

    async def published(self, event_id: str, post_id: int, author_id: int, create_time_ns: int) -> None:
        await self.published_many([Publication(event_id, post_id, author_id, create_time_ns)])

    async def published_many(self, publications: Sequence[Publication]) -> None:
        """Publications that do not depend on each other (consecutive events of their authors), handled by author:
        each author's followers are listed once for all of its posts. A burst of one author's posts listed its
        followers once per post, all at once: 20 posts of the 10k author kept the graph busy 0.4-0.7 s before the
        first task went out."""
        await (await self.begin_published(publications))

    async def begin_published(self, publications: Sequence[Publication]) -> asyncio.Future[None]:
        """`published_many` up to what makes the posts visible (notes, pushes, tasks sent); returns the rest, still
        running (the author's timeline in Cassandra, the tasks' acknowledgements): the events are done when it is.
        The consumer polls its next batch meanwhile, instead of waiting for Cassandra, which the durable writes keep
        busy (the authored stage was 75-150 ms at the median at the benchmark's judged load, more than the rest)."""
        by_author: dict[int, list[Publication]] = {}
        for p in publications:
            by_author.setdefault(p.author_id, []).append(p)
        rests = await asyncio.gather(
            *(self._published(author, posts) for author, posts in by_author.items()), return_exceptions=True
        )
        failed = [r for r in rests if isinstance(r, BaseException)]
        started = [r for r in rests if not isinstance(r, BaseException)]
        if failed:
            for rest in started:
                rest.add_done_callback(forget_failure)
            raise failed[0]
        return asyncio.ensure_future(all_of(started))

    async def _published(self, author_id: int, posts: list[Publication]) -> asyncio.Future[None]:
        EVENTS.labels("post_published").inc(len(posts))
        started = time.perf_counter()
        ids = [p.post_id for p in posts]
        # Noted before the followers are listed: a follow that the listing misses is backfilled from the author's
        # timeline and these notes (Materializer), so it gets the posts even while their write to the author's
        # timeline in Cassandra is in flight. The push does not wait for that write: under load it took 25-100 ms.
        version = await self.recent_posts.note_published(author_id, ids)
        authored = asyncio.create_task(self._authored(author_id, ids, started))
        sends: list[asyncio.Task[None]] = []
        try:
            await asyncio.gather(
                self._own_home(author_id, ids, posts), self._fan_out(author_id, posts, started, version, sends)
            )
        except BaseException:
            for task in (authored, *sends):
                task.add_done_callback(forget_failure)
            raise
        return asyncio.ensure_future(self._rest(authored, sends, started))

    async def _rest(self, authored: asyncio.Task[None], sends: list[asyncio.Task[None]], started: float) -> None:
        await all_of([authored, *sends])
        if sends:
            POST_EVENT_STAGES.labels("enqueued").observe(time.perf_counter() - started)

    async def _authored(self, author_id: int, ids: list[int], started: float) -> None:
        """The author's timeline in Cassandra (the source of truth of pulls and backfills), then its Redis cache: in
        that order, so that a build of the cache that read Cassandra before the write has this add buffered."""
        await asyncio.gather(*(self.store.add_authored(author_id, post_id) for post_id in ids))
        POST_EVENT_STAGES.labels("authored").observe(time.perf_counter() - started)
        await self.timelines.add(StreamKind.AUTHOR, {author_id: ids})

    async def _own_home(self, author_id: int, ids: list[int], posts: list[Publication]) -> None:
        """The author's own home timeline in Redis. Its row in Cassandra goes out with the fanout tasks
        (`_fan_out`), for the durable group to write like a follower's: writing it here made every batch of post
        events wait for Cassandra, which a burst's durable writes keep busy (0.3-1.2 s there)."""
        await self.timelines.add(StreamKind.HOME, {author_id: ids})
        for p in posts:
            if p.create_time_ns:
                FRESHNESS.labels("own").observe(max(0.0, time.time() - p.create_time_ns / 1e9))

    async def _fan_out(
        self, author_id: int, posts: list[Publication], started: float, version: str, sends: list[asyncio.Task[None]]
    ) -> None:
        """`version`: the author's relationship version read after the posts were noted (a listing of it will do).
        The tasks go out in `sends`, still in flight when this returns."""
        # The author's own durable rows: already in Redis (`_own_home`), sent with the first page's tasks.
        own = [FanoutChunk(p.post_id, author_id, p.create_time_ns, [author_id], cache_written=True) for p in posts]
        ids = [p.post_id for p in posts]
        cursor = ""
        first = True

        def send(chunks: list[FanoutChunk]) -> None:
            nonlocal own
            if own:
                FANOUT_TASKS.labels("cached_inline").inc(len(own))
                chunks, own = [*own, *chunks], []
            if chunks:
                # Sent while the next page is read; the events are done (and committed) only when all are
                # acknowledged (`_rest`). The posts of one chunk of followers travel in one task.
                sends.append(asyncio.create_task(self.queue.enqueue(chunks, posts[0].event_id)))
                FANOUT_TASKS.labels("enqueued").inc(len(chunks))

        cached = self.followers.get(author_id, version)
        listed: list[int] = []  # the pages so far, to keep the listing when it is complete
        listed_at = ""
        while True:
            page = cached or await self.graph.follower_page(author_id, cursor, self.policy.follower_page)
            followers, cursor, count = page.ids, page.cursor, page.count
            if first:
                listed_at = page.version
                POST_EVENT_STAGES.labels("listed").observe(time.perf_counter() - started)
                if page.celebrity:  # the graph's decision
                    # Pull-only from now on: readers merge this author's posts at read time.
                    await self.readers.mark_pull_only(author_id)
                    FANOUT_TASKS.labels("celebrity_skipped").inc(len(posts))
                    send([])
                    await self.in_flight.chunks_in_flight(author_id, ids, [], more=False)  # nothing to push
                    return
            first = False
            audiences = list(chunked(followers, self.policy.chunk_size))
            tasks = [[FanoutChunk(p.post_id, author_id, p.create_time_ns, ids) for ids in audiences] for p in posts]
            if len(followers) <= self.policy.inline_max and not cursor and not sends:
                # A small audience, whole: push it into Redis here; the tasks still go out for the durable write.
                tasks = [await self._push_inline([chunk for post_chunks in tasks for chunk in post_chunks])]
                POST_EVENT_STAGES.labels("pushed").observe(time.perf_counter() - started)
                send([chunk for post_chunks in tasks for chunk in post_chunks])
                await self.in_flight.chunks_in_flight(author_id, ids, [], more=False)  # all pushed
            else:
                # Named before the tasks go out, so that no chunk is pushed before it is named.
                chunks = [audience[0] for audience in audiences if audience]
                await self.in_flight.chunks_in_flight(author_id, ids, chunks, more=bool(cursor))
                send([chunk for post_chunks in tasks for chunk in post_chunks])
            if cached is None and listed_at:
                listed.extend(followers)
            if not cursor:
                if cached is None:
                    self.followers.put(author_id, listed_at, listed, count)
                return

    async def _push_inline(self, chunks: list[FanoutChunk]) -> list[FanoutChunk]:
        flags = await push_home(self.timelines, chunks)
        FANOUT_DELIVERIES.labels("redis").inc(_observe_push(chunks, flags))
        FANOUT_TASKS.labels("cached_inline").inc(len(chunks))
        return [replace(c, cache_written=True) for c in chunks]

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


async def push_home(timelines: TimelineCaches, chunks: list[FanoutChunk]) -> list[list[bool]]:
    """Pushes chunks into the Redis home timelines, those with the same readers together. Returns, per chunk, which
    of its readers are active."""
    groups = by_audience([(c.post_id, c.follower_ids) for c in chunks])
    replies = await timelines.push_home([(g.post_ids, g.readers) for g in groups])
    flags: list[list[bool]] = [[] for _ in chunks]
    for group, active in zip(groups, replies, strict=True):
        for position in group.chunks:
            flags[position] = active
    return flags


def _observe_push(chunks: list[FanoutChunk], flags: list[list[bool]]) -> int:
    delivered = 0
    for chunk, active in zip(chunks, flags, strict=True):
        n = sum(active)
        delivered += n
        if n < len(active):
            FANOUT_SKIPPED_INACTIVE.inc(len(active) - n)
        if n and chunk.create_time_ns:
            FRESHNESS.labels("push").observe(max(0.0, time.time() - chunk.create_time_ns / 1e9))
    return delivered


class CacheFanout:
    """feedmesh.fanout, group <prefix>-fanout: the hot path. Pushes each chunk's post id into the Redis home
    timelines of its active followers, one server-side script call per chunk and one round trip per polled
    batch, without waiting for Cassandra: this is what makes a post visible."""

    def __init__(self, *, timelines: TimelineCaches, in_flight: PostsInFlight):
        self.timelines = timelines
        self.in_flight = in_flight

    async def deliver(self, chunks: list[FanoutChunk]) -> int:
        todo = [c for c in chunks if not c.cache_written]
        flags = await push_home(self.timelines, todo)
        await self.in_flight.end_in_flight(
            [(c.post_id, c.author_id, c.follower_ids[0]) for c in todo if c.follower_ids]
        )
        delivered = _observe_push(todo, flags)
        FANOUT_DELIVERIES.labels("redis").inc(delivered)
        FANOUT_TASKS.labels("cached").inc(len(todo))
        return delivered


class StoreFanout:
    """feedmesh.fanout, group <prefix>-fanout-store: the durable path, at its own pace. Writes the rows of every
    active follower into Cassandra's home_timeline, then pushes the post into Redis once more to the readers whose
    cache began to be rebuilt from Cassandra since the post was published: the hot push found no cache to write
    into for them, and their rebuild may have read Cassandra before these rows. Everyone else already has it, so
    the usual second push is to nobody (pushing to every follower again cost the hot path's Redis half its time)."""

    def __init__(
        self, *, timelines: TimelineCaches, readers: Readers, store: TimelineStore, fault: FaultHook | None = None
    ):
        self.timelines = timelines
        self.readers = readers
        self.store = store
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
