"""The ports of the timeline use cases: what they need from Redis, Cassandra, Kafka and the peer services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

from services.common import redis_keys
from services.timeline.domain.delivery import Followees, InFlight
from services.timeline.domain.fanout_plan import FanoutChunk
from services.timeline.domain.feed import Author, FollowCounts, Post, PostStats, Ranking
from services.timeline.domain.impressions import Impression


@dataclass(frozen=True)
class CachedSlice:
    """A read of a cached id stream: the ids below the bound it holds, and `low`, the id from which down the cache
    is complete (0: complete to the bottom). None from the cache means it holds nothing for that stream."""

    ids: list[int]
    low: int
    deleted: frozenset[int] | None = None
    """The deleted posts among the first `checked` ids, as the post tombstone set said in the same round trip; None
    when the read did not ask (or the set did not know)."""
    checked: int = 0


@dataclass(frozen=True)
class ReaderState:
    """The reader's state as a read found it (ReadStart): whether the home timeline had gone stale (inactive reader:
    its sources were just reset), the sources generation, and the sources (author -> floor)."""

    was_stale: bool
    generation: int
    sources: dict[int, int]
    """Shared: while they are unchanged, every read of the reader gets the same object (never to be modified)."""
    relationship_version: str = ""
    """The graph's published relationship version of the reader ("" when unknown)."""
    engagement_version: str | None = None
    """The engagement service's published engagement version of the reader (services.common.engagement_version;
    "" when it has none, None when unknown)."""
    pull_only_sources: frozenset[int] = frozenset()
    """The sources that are pull-only authors (see Readers.mark_pull_only)."""
    in_flight: tuple[InFlight, ...] = ()
    """Every post noted and not yet pushed to all its followers (RecentPosts.note_published,
    PostsInFlight.chunks_in_flight), whoever its readers are."""


@dataclass(frozen=True)
class FollowerPage:
    """A page of an author's follower ids (ascending), the next page's cursor ("" on the last page), the author's
    follower count, on a first page the author's relationship version read before the ids ("" when unknown): the
    whole listing is current while the graph's published version still equals it; and whether the graph counts the
    author as a celebrity (never pushed)."""

    ids: list[int]
    cursor: str
    count: int
    version: str = ""
    celebrity: bool = False


class StreamKind:
    """Which cached id stream: a reader's home timeline or an author's own (the letter of its Redis hash tag)."""

    HOME = redis_keys.HOME
    AUTHOR = redis_keys.AUTHOR


class Reach(IntEnum):
    """What a push did for one reader (an int: 1 for written, 0 for inactive, like the script's answer)."""

    INACTIVE = 0
    """No cache and no activity mark: nothing to do, the reader's return rebuilds its timeline."""
    WRITTEN = 1
    """Into the reader's cache, or into the buffer of the cache being built."""
    NOT_CACHED = 2
    """An active reader with no cache to write into: its reads find the post in Cassandra only once the durable
    fanout has written it there, so the post stays in flight until then (PostsInFlight)."""


class TimelineCaches(Protocol):
    """Redis: capped, complete-from-`low` caches of home and author timelines (id streams of a StreamKind)."""

    async def read(self, kind: str, owner: int, before: int | None, count: int) -> CachedSlice | None: ...

    async def read_many(
        self, kind: str, owners: Sequence[int], befores: Sequence[int | None], count: int
    ) -> list[CachedSlice | None]: ...

    async def add(self, kind: str, entries: Mapping[int, Sequence[int]]) -> None:
        """Adds ids to the caches of several owners in one round trip (only to caches that exist or are filling)."""

    async def push_home(self, groups: Sequence[tuple[Sequence[int], Sequence[int]]]) -> list[list[Reach]]:
        """Fanout: adds each (post ids, reader ids) group's posts to the home timelines of the readers that are
        active (as `add` does), in one round trip. Returns, per group, what the push did for each reader."""

    async def remove(self, kind: str, owner: int, ids: Sequence[int]) -> None: ...

    async def begin_fill(self, kind: str, owner: int) -> str | None:
        """Claims the right to build a missing cache; None when it exists or someone else is building it."""

    async def readers_filled_since(self, since_ms: int) -> frozenset[int] | None:
        """The readers whose home timeline began to be rebuilt from Cassandra at or after `since_ms` (wall clock),
        or None when the cache no longer remembers that far back."""

    async def commit_fill(self, kind: str, owner: int, token: str, ids: Sequence[int], complete: bool) -> bool: ...


class Readers(Protocol):
    """Redis: each reader's activity and the authors materialized in its home timeline (its sources), and which
    authors are pulled rather than pushed."""

    async def active_readers(self, user_ids: Sequence[int]) -> list[bool]: ...

    async def generation(self, reader: int) -> int: ...

    async def set_source(self, reader: int, author: int, floor: int, generation: int) -> bool:
        """Records `author` as materialized in the reader's home timeline, unless the sources were reset since
        `generation` was read."""

    async def drop_sources(self, reader: int, authors: Sequence[int]) -> None: ...

    async def mark_pull_only(self, author: int) -> None: ...


class ReadStart(Protocol):
    """What every feed read starts with, in one Redis round trip: the read recorded (the reader stays active), the
    reader's state, the posts in flight and, on a first page, the home window."""

    async def touch(self, reader: int) -> ReaderState: ...

    async def touch_and_read_home(
        self, reader: int, before: int | None, count: int, checked: int
    ) -> tuple[ReaderState, CachedSlice | None]:
        """`touch`, then TimelineCaches.read of the reader's home timeline, in one round trip (a first page knows its
        window before it knows its plan); the window says which of its first `checked` posts are deleted when the
        tombstones are known."""


class RecentPosts(Protocol):
    """Redis: each author's posts of the last minutes, noted before their write to Cassandra is known to have
    landed."""

    async def note_published(self, author: int, post_ids: Sequence[int]) -> str:
        """Remembers `author`'s posts for a while (`recently_published`), before their write to the author's timeline
        in Cassandra is known to have landed, and puts them in flight until their followers are listed and pushed to
        (PostsInFlight.chunks_in_flight). Returns the author's relationship version read after the notes ("" when
        unknown; services.common.relationship_version): a follower listing of that version misses no follow whose
        backfill could miss these posts."""

    async def recently_published(self, author: int) -> list[int]:
        """`author`'s posts noted by `note_published` in the last few minutes, newest first."""


class PostsInFlight(Protocol):
    """Redis: the posts noted (RecentPosts.note_published) and not yet pushed to every follower."""

    async def chunks_in_flight(
        self, author: int, post_ids: Sequence[int], chunks: Sequence[int], more: bool, to_store: Sequence[int] = ()
    ) -> None:
        """Names the fanout chunks a listing page of the author's posts went out in, each by its first reader (none:
        nothing left to push, the posts were pushed inline or the author is pulled), and `to_store`, the chunks
        pushed inline that wait for their durable write (a reader had no cache: Reach.NOT_CACHED). `more`: another
        listing page follows. A post stays in flight (every read's ReaderState lists it) until each chunk named is
        pushed (`end_in_flight`) or stored (`stored`) and no page is to come, or for the in-flight period at most."""

    async def end_in_flight(
        self, pushed: Sequence[tuple[int, int, int]], to_store: Sequence[tuple[int, int, int]] = ()
    ) -> None:
        """(post id, author id, first reader) of chunks pushed into Redis: a post none of whose chunks is left is no
        longer in flight. The chunks also in `to_store` are left waiting for their durable write instead (`stored`).
        Safe to repeat."""

    async def stored(self, chunks: Sequence[tuple[int, int, int]]) -> None:
        """(post id, author id, first reader) of chunks written to Cassandra by the durable fanout: those left
        waiting for it (`to_store`) are done. Safe to repeat, and for chunks that never waited."""


class Locks(Protocol):
    """Redis: named locks that expire (e.g. one home rebuild at a time per reader)."""

    async def try_lock(self, name: str, seconds: float) -> bool: ...

    async def unlock(self, name: str) -> None: ...


class IdLists(Protocol):
    """Redis: short-lived, tagged lists of post ids (e.g. the rest of a ranked session's window)."""

    async def put_ids(self, key: str, ids: Sequence[int], tag: str, seconds: float) -> None: ...

    async def get_ids(self, key: str) -> tuple[list[int], str] | None: ...


class TimelineStore(Protocol):
    """Cassandra: the durable home timelines and the per-author source of truth."""

    async def add_home(self, rows: Sequence[tuple[int, int, int]]) -> None:
        """Upserts (user_id, post_id, author_id) rows."""

    async def remove_home(self, user_id: int, post_ids: Sequence[int]) -> None: ...

    async def read_home(self, user_id: int, before: int | None, count: int) -> list[int]: ...

    async def add_authored(self, author_id: int, post_id: int) -> None: ...

    async def remove_authored(self, author_id: int, post_id: int) -> None: ...

    async def read_authored(self, author_id: int, before: int | None, count: int) -> list[int]: ...


class Graph(Protocol):
    async def followees(self, user_id: int) -> Followees: ...

    async def follower_page(self, author_id: int, cursor: str, limit: int) -> FollowerPage: ...


class Tombstones(Protocol):
    """The post service's tombstone set (services.common.post_tombstones)."""

    async def deleted_among(self, post_ids: Sequence[int]) -> set[int] | None:
        """The deleted posts among `post_ids`; None when unknown."""

    async def mark_deleted(self, post_ids: Sequence[int]) -> None:
        """Adds ids learnt from post.deleted events (if the set is complete; its owner rebuilds a missing one)."""


class Posts(Protocol):
    async def batch_get(self, post_ids: Sequence[int]) -> list[Post]:
        """The live posts among `post_ids`, in request order."""


class Users(Protocol):
    async def batch_get(self, user_ids: Sequence[int]) -> dict[int, Author]:
        """Profiles (the auth service's: their counts are zero); unknown users are absent."""


class UserCounts(Protocol):
    async def user_counts(self, user_ids: Sequence[int]) -> dict[int, FollowCounts]:
        """Follower and following counts, current as of the call (the graph's); raises Unavailable."""


class Engagement(Protocol):
    async def stats(self, viewer: int, post_ids: Sequence[int]) -> dict[int, PostStats]:
        """Counts and liked-by-viewer; empty when the engagement service is not deployed or fails."""


class RankingUnavailable(Exception):
    """The ranking service failed or missed its deadline."""


class Ranker(Protocol):
    @property
    def enabled(self) -> bool: ...

    async def score(self, viewer: int, posts: Sequence[Post], stats: Mapping[int, PostStats]) -> Ranking:
        """One score per post, within the ranking deadline; raises RankingUnavailable (its message: the cause)."""


class ImpressionLog(Protocol):
    def log(self, impressions: Sequence[Impression]) -> None:
        """Queues the impressions to be sent; never blocks, never raises (a full queue drops them)."""


class FanoutQueue(Protocol):
    async def enqueue(self, chunks: Sequence[FanoutChunk], source_event_id: str) -> None: ...
