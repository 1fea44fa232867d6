"""The in-process peer caches: served only while current (version, age), bounded, and exact about deletions."""

from __future__ import annotations

from collections.abc import Sequence

from services.common.local_cache import LruCache
from services.common.visibility import Visibility
from services.timeline.app.peer_caches import CachedFollowees, CachedFollowers, CachedPosts
from services.timeline.app.ports import FollowerPage
from services.timeline.domain.delivery import Followees
from services.timeline.domain.feed import Post


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_lru_serves_only_the_same_version_within_the_age_and_evicts_the_least_recent() -> None:
    clock = Clock()
    lru: LruCache[int, str] = LruCache(2, 10.0, clock)
    lru.put(1, "a", "v1")
    lru.put(2, "b", "v1")
    assert lru.get(1, "v1") == "a"
    assert lru.get(1, "v2") is None  # another version: dropped
    assert lru.get(1, "v1") is None
    lru.put(1, "a", "v1")
    lru.put(3, "c", "v1")  # 2 is the least recently used
    assert lru.get(2, "v1") is None and lru.get(3, "v1") == "c"
    clock.now = 10.5
    assert lru.get(3, "v1") is None  # too old


def test_lru_weighs_entries_and_evicts_by_total_weight() -> None:
    lru: LruCache[int, str] = LruCache(10, 60.0)
    lru.put(1, "a", "v", weight=4)
    lru.put(2, "b", "v", weight=4)
    lru.put(3, "c", "v")
    assert lru.weight == 9
    lru.put(4, "d", "v", weight=3)  # 12 > 10: the least recently used (1) goes
    assert lru.get(1, "v") is None and lru.weight == 8
    lru.put(2, "b2", "v", weight=1)  # replacing an entry replaces its weight
    assert lru.weight == 5 and lru.get(2, "v") == "b2"
    lru.put(5, "e", "v", weight=11)  # larger than the whole cache: not kept, nothing evicted
    assert lru.get(5, "v") is None and lru.weight == 5
    assert lru.get(3, "w") is None and lru.weight == 4  # a stale version is dropped with its weight


def test_follower_listings_are_served_whole_for_their_version_only() -> None:
    cached = CachedFollowers(max_ids=5)
    cached.put(7, "v1", [1, 2, 3], 3)
    page = cached.get(7, "v1")
    assert page is not None and (page.ids, page.cursor, page.count) == ([1, 2, 3], "", 3)
    assert cached.get(7, "v2") is None  # the author's relationships changed since
    assert cached.get(7, "v1") is None
    cached.put(8, "", [1], 1)  # unknown version: never kept
    assert cached.get(8, "") is None
    cached.put(9, "v1", [1, 2, 3, 4, 5, 6], 6)  # larger than the cache
    assert cached.get(9, "v1") is None


class Graph:
    def __init__(self) -> None:
        self.calls = 0
        self.version = "v1"

    async def followees(self, user_id: int) -> Followees:
        self.calls += 1
        return Followees(pushed=frozenset({2}), celebrities=frozenset(), version=self.version)

    async def follower_page(self, author_id: int, cursor: str, limit: int) -> FollowerPage:
        raise NotImplementedError


async def test_followees_are_reused_while_the_version_is_unchanged() -> None:
    graph = Graph()
    cached = CachedFollowees(graph, size=10, max_age_seconds=60)
    await cached.get(1, "v1")
    await cached.get(1, "v1")
    assert graph.calls == 1
    graph.version = "v2"
    await cached.get(1, "v2")  # the graph published a change
    assert graph.calls == 2
    await cached.get(1, "")  # unknown version: always asked
    assert graph.calls == 3


async def test_copies_kept_by_version_are_forgotten_when_redis_comes_back() -> None:
    """A version the graph could not replace while Redis was unreachable still looks current afterwards."""
    graph = Graph()
    followees = CachedFollowees(graph, size=10, max_age_seconds=60)
    followers = CachedFollowers(max_ids=10)
    await followees.get(1, "v1")
    followers.put(7, "v1", [1, 2], 2)
    followees.forget_versions()
    followers.forget_versions()
    await followees.get(1, "v1")
    assert graph.calls == 2  # asked again for the same version
    assert followers.get(7, "v1") is None
    assert followers.lru.weight == 0


class PostsAndTombstones:
    def __init__(self) -> None:
        self.live_ids = {1, 2, 3}
        self.fetched: list[int] = []
        self.known = True
        self.forgotten: set[int] = set()  # deleted, but trimmed from the tombstone set

    async def batch_get(self, post_ids: Sequence[int]) -> list[Post]:
        self.fetched.extend(post_ids)
        return [Post(i, 9, "t", Visibility.PUBLIC, 0) for i in post_ids if i in self.live_ids]

    async def deleted_among(self, post_ids: Sequence[int]) -> set[int] | None:
        return {i for i in post_ids if i not in self.live_ids and i not in self.forgotten} if self.known else None

    async def mark_deleted(self, post_ids: Sequence[int]) -> None:
        pass


async def test_cached_posts_drop_deleted_ones_at_once_and_ask_when_tombstones_are_unknown() -> None:
    peer = PostsAndTombstones()
    posts = CachedPosts(peer, peer, size=10, max_age_seconds=3600)
    assert [p.id for p in await posts.live([3, 2, 1])] == [3, 2, 1]
    assert [p.id for p in await posts.live([3, 2, 1])] == [3, 2, 1]
    assert peer.fetched == [3, 2, 1]  # the second read came from memory
    peer.live_ids.discard(2)  # deleted: the tombstone says so
    assert [p.id for p in await posts.live([3, 2, 1])] == [3, 1]
    peer.known = False
    peer.live_ids.discard(3)
    assert [p.id for p in await posts.live([3, 1])] == [1]  # the post service decided
    assert peer.fetched[-2:] == [3, 1]


async def test_a_cached_post_is_asked_again_once_older_than_its_maximum_age_counted_from_the_ask() -> None:
    peer = PostsAndTombstones()
    posts = CachedPosts(peer, peer, size=10, max_age_seconds=100.0)
    clock = Clock()
    posts.lru.clock = clock
    clock.now = 1000.0
    await posts.live([1])
    clock.now = 1099.0
    await posts.live([1])
    assert peer.fetched == [1]  # within the age: from memory
    # Past the age: the tombstone set may have forgotten a deletion by now, so the post service is asked again and
    # a post deleted meanwhile is gone even though no tombstone says so.
    peer.live_ids.discard(1)
    peer.forgotten.add(1)
    clock.now = 1100.5
    assert await posts.live([1]) == []
    assert peer.fetched == [1, 1]


def test_an_entry_stored_as_of_an_earlier_time_ages_from_then() -> None:
    clock = Clock()
    lru: LruCache[int, str] = LruCache(4, 10.0, clock)
    clock.now = 5.0
    lru.put(1, "a", stored_at=0.0)  # asked at 0, answered at 5
    clock.now = 10.5
    assert lru.get(1) is None
    assert lru.get_many([1]) == ({}, [1])
