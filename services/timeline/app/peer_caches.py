"""The peers' answers a feed read needs, kept in this process (services.common.local_cache) so the common read
makes no peer call, each with the rule that keeps it exact:

- followees: reused while the graph's published relationship version of the reader is unchanged
  (services.common.relationship_version), read with the reader's other state in one Redis round trip; a bounded
  age covers a graph that could not publish a change;
- posts: content never changes, only deletion does, and the post service's tombstone set says which of a page's
  posts are deleted (services.common.post_tombstones), asked with the home window on a first page (no round trip
  of its own) or on its own; when the set is unknown, the post service is asked. The set keeps only recent
  deletions, so a post is kept at most the maximum age the set's retention is derived from, counted from before the
  post service was asked (services.common.tombstone_retention);
- authors (app.author_cache): profiles reused for a bounded age; their follower and following counts for a few
  seconds, and never from before the reader's own last follow or unfollow;
- followers (the write path's): an author's whole follower listing, reused while the author's relationship version,
  read with the post's note in one Redis round trip, equals the one the graph listed it at.

The copies kept by relationship version are dropped when this process's Redis connection comes back after a loss
(`forget_versions`): a change the graph committed while Redis was unreachable could not replace its version, so the
old version would still look current. The graph answers such users with no version until Redis takes the change.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence, Set
from dataclasses import dataclass

from services.common.local_cache import LruCache
from services.timeline.app.metrics import LOCAL_CACHE
from services.timeline.app.ports import FollowerPage, Graph, Posts, Tombstones
from services.timeline.domain.delivery import Followees
from services.timeline.domain.feed import Post


class CachedFollowees:
    def __init__(self, graph: Graph, *, size: int, max_age_seconds: float):
        self.graph = graph
        self.lru: LruCache[int, Followees] = LruCache(size, max_age_seconds, name="timeline.followees")

    async def get(self, reader: int, version: str) -> Followees:
        """`version`: the reader's relationship version read just now ("" when unknown)."""
        if version:
            found = self.lru.get(reader, version)
            if found is not None:
                LOCAL_CACHE.labels("followees", "hit").inc()
                return found
        LOCAL_CACHE.labels("followees", "miss").inc()
        followees = await self.graph.followees(reader)
        if followees.version:
            self.lru.put(reader, followees, followees.version)
        return followees

    def forget_versions(self) -> None:
        self.lru.clear()


@dataclass(frozen=True)
class CheckedIds:
    """Posts whose deletion this read has already asked the tombstone set about, and which of them are deleted."""

    ids: frozenset[int]
    deleted: frozenset[int]


class CachedPosts:
    def __init__(self, posts: Posts, tombstones: Tombstones, *, size: int, max_age_seconds: float):
        self.posts = posts
        self.tombstones = tombstones
        self.lru: LruCache[int, Post] = LruCache(size, max_age_seconds, name="timeline.posts")

    async def live(self, post_ids: Sequence[int], checked: CheckedIds | None = None) -> list[Post]:
        """The live posts among `post_ids`, in order. `checked`: what this same read already learnt from the
        tombstone set (used when it covers every id; otherwise the set is asked about all of them)."""
        if not post_ids:
            return []
        deleted: Set[int] | None
        if checked is not None and checked.ids.issuperset(post_ids):
            deleted = checked.deleted
        else:
            deleted = await self.tombstones.deleted_among(post_ids)
        if deleted is None:  # unknown: the post service decides every one
            LOCAL_CACHE.labels("posts", "unknown").inc(len(post_ids))
            return await self._asked(post_ids)
        found, missing = self.lru.get_many(i for i in post_ids if i not in deleted)
        LOCAL_CACHE.labels("posts", "hit").inc(len(found))
        if missing:
            LOCAL_CACHE.labels("posts", "miss").inc(len(missing))
            found.update((p.id, p) for p in await self._asked(missing))
        return [found[i] for i in post_ids if i in found]

    async def _asked(self, post_ids: Sequence[int]) -> list[Post]:
        """The live posts among `post_ids` from the post service, kept as of just before it was asked."""
        asked_at = self.lru.clock()
        posts = await self.posts.batch_get(post_ids)
        for post in posts:
            self.lru.put(post.id, post, stored_at=asked_at)
        return posts


class CachedFollowers:
    """Follower listings for fanout, kept whole (as 8-byte ids: `max_ids` bounds their total) by the version the
    graph listed them at. On an idle stack a listing is one fast call; under load it was the slowest step before a
    post's push (the graph call's p50 50-75 ms at the benchmark's judged load), and most posts' authors post again
    with their followers unchanged."""

    def __init__(self, *, max_ids: int):
        self.lru: LruCache[int, tuple[array[int], int]] = LruCache(max_ids, float("inf"), name="timeline.followers")

    def get(self, author: int, version: str) -> FollowerPage | None:
        """The whole listing as one page, if it was listed at `version` (read just now; "": unknown, a miss). Only
        pushed authors' listings are kept (a celebrity's is not listed past its first page), so it is no celebrity's."""
        found = self.lru.get(author, version) if version else None
        LOCAL_CACHE.labels("followers", "miss" if found is None else "hit").inc()
        if found is None:
            return None
        ids, count = found
        return FollowerPage(list(ids), "", count, version)

    def put(self, author: int, version: str, ids: Sequence[int], count: int) -> None:
        """A listing read in full, all of its pages after the first's `version`."""
        if version:
            self.lru.put(author, (array("q", ids), count), version, weight=max(1, len(ids)))

    def forget_versions(self) -> None:
        self.lru.clear()
