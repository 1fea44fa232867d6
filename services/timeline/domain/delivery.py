"""Who gets a post pushed, and which authors a read must pull.

Push (fanout-on-write) for authors the graph does not count as celebrities, to followers that read recently; pull
(fanout-on-read) for everything a home timeline cannot vouch for. A home timeline vouches for an author only
while that author is in its *sources*: the followees whose posts were materialized into it (by a backfill when
the follow was processed or when the timeline was rebuilt) and have been pushed since. Everything else a reader
follows is pulled from the author's own timeline at read time, so push or pull is invisible to the client.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from services.common.visibility import Relationship, Visibility, may_see


def chunked(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    """Follower ids in fanout-task chunks of at most `size`."""
    if size <= 0:
        raise ValueError("chunk size must be positive")
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


MAX_POSTS_PER_PUSH = 64
"""Posts written to a reader in one push at most (the script passes them to one ZADD)."""


@dataclass(frozen=True)
class SharedAudience:
    """Fanout chunks that go to exactly the same readers, pushed together: one author's posts, chunked the same way,
    reach each reader in one write instead of one per post."""

    post_ids: list[int]
    readers: tuple[int, ...]
    chunks: list[int]
    """Positions of the grouped chunks in the list given to `by_audience`."""


def by_audience(
    chunks: Sequence[tuple[int, Sequence[int]]], max_posts: int = MAX_POSTS_PER_PUSH
) -> list[SharedAudience]:
    """Groups (post id, reader ids) chunks by their exact reader list, at most `max_posts` chunks per group."""
    positions: dict[tuple[int, ...], list[int]] = {}
    for position, (_, readers) in enumerate(chunks):
        positions.setdefault(tuple(readers), []).append(position)
    groups = []
    for readers, found in positions.items():
        for start in range(0, len(found), max_posts):
            part = found[start : start + max_posts]
            groups.append(SharedAudience(post_ids=[chunks[p][0] for p in part], readers=readers, chunks=part))
    return groups


@dataclass(frozen=True)
class Followees:
    """Whom a reader follows, as the graph service splits them."""

    pushed: frozenset[int]
    celebrities: frozenset[int]
    close_friend_of: frozenset[int] = frozenset()
    """The followees whose close-friends list includes the reader."""
    version: str = ""
    """The reader's relationship version this answer is as of ("": unknown, do not reuse it)."""
    _decided: dict[tuple[int, int, Visibility], bool] = field(default_factory=dict, compare=False, repr=False)

    def all_with(self, viewer: int) -> frozenset[int]:
        """The authors whose posts belong in the viewer's feed: every followee, and the viewer."""
        return self.pushed | self.celebrities | {viewer}

    def in_feed(self, viewer: int, author_id: int, visibility: Visibility) -> bool:
        """May the viewer's feed show a post of this author and visibility: the author is the viewer or followed,
        and `may_see` allows it. Remembered per answer: a reader's followees are reused read after read (while its
        relationship version holds), and every read asks about the same few authors."""
        key = (viewer, author_id, visibility)
        found = self._decided.get(key)
        if found is None:
            followed = author_id == viewer or author_id in self.pushed or author_id in self.celebrities
            found = self._decided[key] = followed and self.may_see(viewer, author_id, visibility)
        return found

    def may_see(self, viewer: int, author_id: int, visibility: Visibility) -> bool:
        """The visibility rule for a post in the viewer's feed, decided from the followee list alone: every author
        there is followed (approved, so account privacy is satisfied; a block removes the follow both ways), and
        close-friends posts need the viewer on the author's list. Anyone else counts as an unfollowed private
        account: not visible."""
        follows = author_id in self.pushed or author_id in self.celebrities
        relationship = Relationship(follows=follows, close_friend=author_id in self.close_friend_of)
        return may_see(
            viewer_id=viewer,
            author_id=author_id,
            visibility=visibility,
            author_private=not follows,
            relationship=relationship,
        )


@dataclass(frozen=True)
class InFlight:
    """A post noted by the timeline and not yet pushed into the home timelines of all its followers."""

    author_id: int
    post_id: int


def in_flight_for(followees: Followees, in_flight: Iterable[InFlight], viewer: int) -> tuple[int, ...]:
    """The posts in flight that a read of this reader merges, newest first: those of its pushed followees and its
    own. A large audience's last readers get a post hundreds of milliseconds after its first (a 10k-follower post is
    twenty tasks, one Redis script each); merged at read time, it is in every follower's feed as soon as it is noted.
    Visibility is decided with the other candidates', and the same post found again in the home timeline is one."""
    return tuple(
        sorted((p.post_id for p in in_flight if p.author_id in followees.pushed or p.author_id == viewer), reverse=True)
    )


@dataclass(frozen=True)
class PullSource:
    """An author whose posts below `ceiling` (None: all of them) must be read from the author's timeline."""

    author_id: int
    ceiling: int | None = None


@dataclass(frozen=True)
class ReadPlan:
    """The sources of one feed read: the home timeline, plus the authors to pull."""

    followees: Followees
    authors: frozenset[int]
    pulls: tuple[PullSource, ...]
    unmaterialized: frozenset[int]
    stale_sources: frozenset[int]
    in_flight: tuple[int, ...] = ()
    """Posts merged though they may not be in the home timeline yet (`in_flight_for`), newest first."""
    engagement_version: str | None = None
    """The viewer's engagement version, as this read found it (services.common.engagement_version)."""


def plan_read(
    viewer: int,
    followees: Followees,
    sources: Mapping[int, int],
    pull_only: Iterable[int] = (),
) -> ReadPlan:
    """Decides what a read merges.

    `sources` maps each materialized author to its floor: the home timeline holds all of that author's posts with
    ids >= floor (0: all of them). `pull_only` are authors with posts that were never pushed (they were
    celebrities when they posted): they are pulled whatever the sources say.

    - celebrities and pull-only authors: pulled entirely (the viewer's own posts are always written to the
      viewer's home timeline, so the viewer is never pull-only);
    - pushed followees and the viewer, when not a source: pulled entirely, and reported as `unmaterialized` so the
      caller can backfill them;
    - sources with a floor > 0: pulled below the floor;
    - sources that are no longer followed: reported as `stale_sources`, to be forgotten.
    """
    authors = followees.all_with(viewer)
    never_pushed = frozenset(pull_only)
    pulls: list[PullSource] = []
    unmaterialized: set[int] = set()
    for author in sorted(authors):
        if author in followees.celebrities and author != viewer:
            pulls.append(PullSource(author))
            continue
        floor = sources.get(author)
        if floor is None:
            unmaterialized.add(author)
            pulls.append(PullSource(author))
        elif author in never_pushed and author != viewer:
            pulls.append(PullSource(author))
        elif floor > 0:
            pulls.append(PullSource(author, ceiling=floor))
    stale = frozenset(a for a in sources if a not in authors)
    return ReadPlan(
        followees=followees,
        authors=authors,
        pulls=tuple(pulls),
        unmaterialized=frozenset(unmaterialized),
        stale_sources=stale,
    )


@dataclass(frozen=True)
class SourceUpkeep:
    """What a read found its reader's sources need, done in the background."""

    forget: list[int]
    """Sources no longer followed, ascending."""
    backfill: list[int]
    """Followees (or the reader) not materialized yet, ascending: after a follow whose event is still on its way, a
    first read, or the return of an inactive reader. Celebrities are pulled, never materialized."""


def source_upkeep(plan: ReadPlan) -> SourceUpkeep:
    celebrities = plan.followees.celebrities
    return SourceUpkeep(
        forget=sorted(plan.stale_sources),
        backfill=sorted(a for a in plan.unmaterialized if a not in celebrities),
    )


def backfill_floor(backfilled_ids: Sequence[int], depth: int) -> int:
    """The floor of a backfilled author: 0 when the author's whole timeline fitted in `depth`, else the lowest id
    copied (older posts stay in the author's timeline and are pulled when a reader pages that far)."""
    if len(backfilled_ids) < depth:
        return 0
    return min(backfilled_ids)
