"""In-memory fakes of the timeline's ports, faithful to the contracts the use cases rely on."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from services.timeline.app.ports import (
    CachedSlice,
    FanoutChunk,
    FollowerPage,
    RankingUnavailable,
    Reach,
    ReaderState,
    StreamKind,
)
from services.timeline.domain.delivery import Followees, InFlight
from services.timeline.domain.feed import Author, FollowCounts, Post, PostStats, Ranking
from services.timeline.domain.impressions import Impression


class FakeCache:
    """Every Redis port of the timeline at once (TimelineCaches, Readers, ReadStart, RecentPosts, PostsInFlight,
    Locks, IdLists)."""

    def __init__(self, caps: Mapping[str, int]):
        self.caps = dict(caps)
        self.streams: dict[tuple[str, int], tuple[int, set[int]]] = {}  # (kind, owner) -> (low, ids)
        self.filling: dict[tuple[str, int], tuple[str, set[int]]] = {}
        self.active: set[int] = set()
        self.gen: dict[int, int] = defaultdict(int)
        self.sources: dict[int, dict[int, int]] = defaultdict(dict)
        self.never_pushed: set[int] = set()
        self.locks: set[str] = set()
        self.values: dict[str, tuple[list[int], str]] = {}
        self.fills: dict[int, int] = {}  # reader -> when its home fill began (ms)
        self.tombstones: FakeWorld | None = None  # when set, a home window says which of its posts are deleted
        self.recent: dict[int, set[int]] = defaultdict(set)
        self.versions: Callable[[int], str] | None = None  # the graph's relationship versions, when published
        # (post, author) -> chunks left (-1: more to come; "s<first reader>": waiting for its durable write)
        self.in_flight: dict[tuple[int, int], set[int | str]] = {}

    async def read(self, kind: str, owner: int, before: int | None, count: int) -> CachedSlice | None:
        found = self.streams.get((kind, owner))
        if found is None:
            return None
        low, ids = found
        below = sorted((i for i in ids if before is None or i < before), reverse=True)
        return CachedSlice(ids=below[:count], low=low)

    async def read_many(
        self, kind: str, owners: Sequence[int], befores: Sequence[int | None], count: int
    ) -> list[CachedSlice | None]:
        return [await self.read(kind, o, b, count) for o, b in zip(owners, befores, strict=True)]

    def _trim(self, kind: str, owner: int, low: int, ids: set[int]) -> None:
        cap = self.caps[kind]
        if len(ids) > cap:
            kept = sorted(ids, reverse=True)[:cap]
            ids, low = set(kept), min(kept)
        self.streams[(kind, owner)] = (low, ids)

    async def add(self, kind: str, entries: Mapping[int, Sequence[int]]) -> None:
        for owner, new in entries.items():
            found = self.streams.get((kind, owner))
            if found is not None:
                low, ids = found
                self._trim(kind, owner, low, ids | {i for i in new if i >= low})
            elif (kind, owner) in self.filling:
                self.filling[(kind, owner)][1].update(new)

    async def push_home(self, groups: Sequence[tuple[Sequence[int], Sequence[int]]]) -> list[list[Reach]]:
        reached = []
        for post_ids, readers in groups:
            got = []
            for reader in readers:
                if reader not in self.active:
                    got.append(Reach.INACTIVE)
                elif ("h", reader) in self.streams or ("h", reader) in self.filling:
                    await self.add("h", {reader: list(post_ids)})
                    got.append(Reach.WRITTEN)
                else:
                    got.append(Reach.NOT_CACHED)
            reached.append(got)
        return reached

    async def remove(self, kind: str, owner: int, ids: Sequence[int]) -> None:
        found = self.streams.get((kind, owner))
        if found is not None:
            found[1].difference_update(ids)

    async def begin_fill(self, kind: str, owner: int) -> str | None:
        if (kind, owner) in self.streams or (kind, owner) in self.filling:
            return None
        self.filling[(kind, owner)] = ("t", set())
        if kind == "h":
            self.fills[owner] = int(time.time() * 1000)
        return "t"

    async def readers_filled_since(self, since_ms: int) -> frozenset[int] | None:
        return frozenset(r for r, at in self.fills.items() if at >= since_ms)

    async def commit_fill(self, kind: str, owner: int, token: str, ids: Sequence[int], complete: bool) -> bool:
        _, buffered = self.filling.pop((kind, owner))
        low = 0 if complete or not ids else min(ids)
        self._trim(kind, owner, low, set(ids) | {i for i in buffered if i >= low})
        return True

    async def touch(self, reader: int) -> ReaderState:
        stale = reader not in self.active
        self.active.add(reader)
        if stale:
            self.gen[reader] += 1
            self.sources[reader].clear()
        sources = dict(self.sources[reader])
        return ReaderState(
            stale,
            self.gen[reader],
            sources,
            pull_only_sources=frozenset(self.never_pushed & set(sources)),
            in_flight=tuple(InFlight(author, post) for post, author in self.in_flight),
        )

    async def chunks_in_flight(
        self, author: int, post_ids: Sequence[int], chunks: Sequence[int], more: bool, to_store: Sequence[int] = ()
    ) -> None:
        for post_id in post_ids:
            left = self.in_flight.get((post_id, author))
            if left is not None:
                left.update(chunks)
                left.update(f"s{first}" for first in to_store)
                (left.add if more else left.discard)(-1)
                if not left:
                    del self.in_flight[(post_id, author)]

    async def end_in_flight(
        self, pushed: Sequence[tuple[int, int, int]], to_store: Sequence[tuple[int, int, int]] = ()
    ) -> None:
        for post_id, author, chunk in pushed:
            left = self.in_flight.get((post_id, author))
            if left is not None:
                if (post_id, author, chunk) in to_store:
                    left.add(f"s{chunk}")
                left.discard(chunk)
                if not left:
                    del self.in_flight[(post_id, author)]

    async def stored(self, chunks: Sequence[tuple[int, int, int]]) -> None:
        for post_id, author, first in chunks:
            left = self.in_flight.get((post_id, author))
            if left is not None:
                left.discard(f"s{first}")
                if not left:
                    del self.in_flight[(post_id, author)]

    async def touch_and_read_home(
        self, reader: int, before: int | None, count: int, checked: int
    ) -> tuple[ReaderState, CachedSlice | None]:
        touch = await self.touch(reader)
        window = await self.read(StreamKind.HOME, reader, before, count)
        if window is None or self.tombstones is None:
            return touch, window
        asked = window.ids[:checked]
        return touch, CachedSlice(window.ids, window.low, frozenset(self.tombstones.deleted(asked)), len(asked))

    async def active_readers(self, user_ids: Sequence[int]) -> list[bool]:
        return [u in self.active for u in user_ids]

    async def generation(self, reader: int) -> int:
        return self.gen[reader]

    async def set_source(self, reader: int, author: int, floor: int, generation: int) -> bool:
        if self.gen[reader] != generation:
            return False
        self.sources[reader][author] = floor
        return True

    async def drop_sources(self, reader: int, authors: Sequence[int]) -> None:
        for a in authors:
            self.sources[reader].pop(a, None)

    async def mark_pull_only(self, author: int) -> None:
        self.never_pushed.add(author)

    async def note_published(self, author: int, post_ids: Sequence[int]) -> str:
        self.recent[author].update(post_ids)
        for post_id in post_ids:
            self.in_flight.setdefault((post_id, author), set()).add(-1)  # the listing is to come
        return self.versions(author) if self.versions else ""

    async def recently_published(self, author: int) -> list[int]:
        return sorted(self.recent[author], reverse=True)

    async def try_lock(self, name: str, seconds: float) -> bool:
        if name in self.locks:
            return False
        self.locks.add(name)
        return True

    async def unlock(self, name: str) -> None:
        self.locks.discard(name)

    async def put_ids(self, key: str, ids: Sequence[int], tag: str, seconds: float) -> None:
        self.values[key] = (list(ids), tag)

    async def get_ids(self, key: str) -> tuple[list[int], str] | None:
        return self.values.get(key)


class FakeStore:
    def __init__(self) -> None:
        self.home: dict[int, set[int]] = defaultdict(set)
        self.authored: dict[int, set[int]] = defaultdict(set)
        self.reads = 0

    async def add_home(self, rows: Sequence[tuple[int, int, int]]) -> None:
        for user, post, _author in rows:
            self.home[user].add(post)

    async def remove_home(self, user_id: int, post_ids: Sequence[int]) -> None:
        self.home[user_id].difference_update(post_ids)

    async def read_home(self, user_id: int, before: int | None, count: int) -> list[int]:
        self.reads += 1
        return sorted((i for i in self.home[user_id] if before is None or i < before), reverse=True)[:count]

    async def add_authored(self, author_id: int, post_id: int) -> None:
        self.authored[author_id].add(post_id)

    async def remove_authored(self, author_id: int, post_id: int) -> None:
        self.authored[author_id].discard(post_id)

    async def read_authored(self, author_id: int, before: int | None, count: int) -> list[int]:
        self.reads += 1
        return sorted((i for i in self.authored[author_id] if before is None or i < before), reverse=True)[:count]


class FakeWorld:
    """Graph, posts, tombstones: follows, close friends, live posts (a post not in `posts` is deleted)."""

    def __init__(self, threshold: int = 1000):
        self.threshold = threshold
        self.follows: dict[int, set[int]] = defaultdict(set)  # follower -> followees
        self.posts: dict[int, Post] = {}
        self.close_friends: set[tuple[int, int]] = set()  # (owner, friend)
        self.calls: dict[str, int] = defaultdict(int)

    def followers_of(self, author: int) -> list[int]:
        return sorted(u for u, fs in self.follows.items() if author in fs)

    async def followees(self, user_id: int) -> Followees:
        self.calls["followees"] += 1
        fs = self.follows[user_id]
        celebs = frozenset(a for a in fs if len(self.followers_of(a)) >= self.threshold)
        friend_of = frozenset(a for a in fs if (a, user_id) in self.close_friends)
        return Followees(
            pushed=frozenset(fs) - celebs,
            celebrities=celebs,
            close_friend_of=friend_of,
            version=self.version_of(user_id),
        )

    def version_of(self, user: int) -> str:
        """A relationship version that changes whenever the user's relationships do, on either side (the lists
        themselves): followers, followees, close friends."""
        friends = sorted(pair for pair in self.close_friends if user in pair)
        return f"v:{self.followers_of(user)}:{sorted(self.follows[user])}:{friends}"

    async def follower_page(self, author_id: int, cursor: str, limit: int) -> FollowerPage:
        self.calls["follower_page"] += 1
        everyone = self.followers_of(author_id)
        start = int(cursor or 0)
        page = everyone[start : start + limit]
        nxt = str(start + limit) if start + limit < len(everyone) else ""
        version = "" if cursor else self.version_of(author_id)
        return FollowerPage(page, nxt, len(everyone), version, celebrity=len(everyone) >= self.threshold)

    def deleted(self, post_ids: Sequence[int]) -> set[int]:
        return {i for i in post_ids if i not in self.posts}

    async def deleted_among(self, post_ids: Sequence[int]) -> set[int] | None:
        self.calls["deleted_among"] += 1
        return self.deleted(post_ids)

    async def mark_deleted(self, post_ids: Sequence[int]) -> None:
        pass

    async def batch_get(self, post_ids: Sequence[int]) -> list[Post]:
        self.calls["batch_get_posts"] += 1
        return [self.posts[i] for i in post_ids if i in self.posts]


class FakeUsers:
    def __init__(self) -> None:
        self.calls = 0

    async def batch_get(self, user_ids: Sequence[int]) -> dict[int, Author]:
        self.calls += 1
        return {u: Author(id=u, handle=f"u{u}") for u in user_ids}


class FakeUserCounts:
    def __init__(self) -> None:
        self.calls = 0
        self.followers: dict[int, int] = {}

    async def user_counts(self, user_ids: Sequence[int]) -> dict[int, FollowCounts]:
        self.calls += 1
        return {u: FollowCounts(self.followers.get(u, 0), 0) for u in user_ids}


class FakeEngagement:
    def __init__(self) -> None:
        self.liked_by: dict[int, set[int]] = defaultdict(set)  # viewer -> posts they like
        self.asked: list[tuple[int, list[int]]] = []

    async def stats(self, viewer: int, post_ids: Sequence[int]) -> dict[int, PostStats]:
        self.asked.append((viewer, list(post_ids)))
        return {p: PostStats(like_count=p % 7, liked_by_me=p in self.liked_by[viewer]) for p in post_ids}


class FakeRanker:
    def __init__(self, enabled: bool = True, fail: bool = False):
        self._enabled = enabled
        self.fail = fail
        self.calls = 0

    @property
    def enabled(self) -> bool:
        return self._enabled

    async def score(self, viewer: int, posts: Sequence[Post], stats: Mapping[int, PostStats]) -> Ranking:
        self.calls += 1
        if self.fail:
            raise RankingUnavailable("timeout")
        return Ranking([float(stats[p.id].like_count) for p in posts], "r1", "exp/arm")


class FakeImpressionLog:
    def __init__(self) -> None:
        self.logged: list[Impression] = []

    def log(self, impressions: Sequence[Impression]) -> None:
        self.logged.extend(impressions)


class FakeQueue:
    def __init__(self) -> None:
        self.chunks: list[FanoutChunk] = []

    async def enqueue(self, chunks: Sequence[FanoutChunk], source_event_id: str) -> None:
        self.chunks.extend(chunks)
