"""Feed items' authors as a page shows them: the profile (the auth service's) with the follower and following counts
(the graph's), kept in this process.

Profiles change rarely and are reused for `profile_max_age_seconds`. Counts change with every follow, so a page
shows counts the graph was asked for at most `counts_max_staleness_seconds` (the bound) ago, counted from when they
were asked for (not answered), so a slow answer cannot stretch the bound. While reads come, a background ask every
quarter of the bound asks again, in one BatchGetUserCounts, for the counts past half the bound of the authors shown
lately: an author shown every few seconds never goes stale, and its pages do not wait for the graph. Counts past
the bound (an author not shown for a while) are asked for before the page is served, the page's stale authors in
one call.

The reader's own follows and unfollows show on the reader's next read whatever the bound: they replace the reader's
relationship version (services.common.relationship_version, which every read has already read with the reader's
state), and counts asked before this process first saw the reader's current version are not shown to that reader.
The graph replaces the version after the change commits, so counts asked after it was seen include the change.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from services.common.errors import Unavailable
from services.common.local_cache import LruCache
from services.timeline.app.background import Background
from services.timeline.app.metrics import LOCAL_CACHE
from services.timeline.app.ports import UserCounts, Users
from services.timeline.app.recently_shown import RecentlyShown
from services.timeline.domain.feed import Author, FollowCounts

_NEVER = float("-inf")


class _Shown(NamedTuple):
    author: Author
    profile_asked_at: float
    counts_asked_at: float
    """_NEVER: the graph could not be asked; `author` holds the counts last known (or none)."""


def _with_counts(author: Author, counts: FollowCounts) -> Author:
    """The same object when the counts did not change: pages already encoded with it are reused by identity."""
    if (author.follower_count, author.following_count) == counts:
        return author
    return replace(author, follower_count=counts.followers, following_count=counts.following)


@dataclass(kw_only=True)
class CachedAuthors:
    users: Users
    counts: UserCounts
    background: Background
    size: int
    readers: int
    """How many readers' relationship versions to remember (one forgotten is asked for as if it were new)."""
    profile_max_age_seconds: float
    counts_max_staleness_seconds: float
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._shown: LruCache[int, _Shown] = LruCache(
            self.size, float("inf"), self.clock, name="timeline.authors_shown"
        )
        # reader -> when this process first saw the reader's relationship version (the entry's version)
        self._version_seen: LruCache[int, float] = LruCache(
            self.readers, float("inf"), self.clock, name="timeline.authors_reader_versions"
        )
        # The authors shown lately: their counts are asked for again in the background.
        self._recent = RecentlyShown(self.counts_max_staleness_seconds)

    async def shown_to(self, reader: int, relationship_version: str, author_ids: Sequence[int]) -> dict[int, Author]:
        """The authors (unknown ones absent) with counts current enough for this reader. `relationship_version`:
        the reader's, as this read found it ("": unknown, so every count is asked for)."""
        now, bound = self.clock(), self.counts_max_staleness_seconds
        oldest = max(now - bound, self._relationships_changed_at(reader, relationship_version, now))
        profile_oldest = now - self.profile_max_age_seconds
        known, _ = self._shown.get_many(author_ids)
        current: dict[int, Author] = {}
        for author_id, shown in known.items():
            if shown.counts_asked_at >= oldest and shown.profile_asked_at >= profile_oldest:
                current[author_id] = shown.author
        LOCAL_CACHE.labels("authors", "hit").inc(len(current))
        if len(current) < len(author_ids):
            stale = [a for a in author_ids if a not in current]
            LOCAL_CACHE.labels("authors", "miss").inc(len(stale))
            current.update(await self._ask(stale, known))
        if self._recent.note(author_ids, now):  # after this page's own ask, which the refresh then finds done
            self.background.spawn("author-counts", self._refresh)
        return current

    def _relationships_changed_at(self, reader: int, version: str, now: float) -> float:
        """The earliest a count shown to the reader may have been asked for: when this process first saw the
        reader's relationship version (now, when it is new; when it is unknown, no count kept will do)."""
        if not version:
            return float("inf")
        seen = self._version_seen.get(reader, version)
        if seen is None:
            self._version_seen.put(reader, now, version)
            return now
        return seen

    async def _ask(self, user_ids: list[int], known: dict[int, _Shown]) -> dict[int, Author]:
        """Counts for `user_ids`, and the profiles too old or not known, in one call each (concurrent)."""
        asked_at = self.clock()
        profiles = {
            a: (shown.author, shown.profile_asked_at)
            for a in user_ids
            if (shown := known.get(a)) is not None and asked_at - shown.profile_asked_at <= self.profile_max_age_seconds
        }
        missing = [a for a in user_ids if a not in profiles]
        if missing:
            counts, fetched = await asyncio.gather(self._counts(user_ids), self.users.batch_get(missing))
            profiles.update((a, (author, asked_at)) for a, author in fetched.items())
        else:
            counts = await self._counts(user_ids)
        authors: dict[int, Author] = {}
        for user_id, (profile, profile_asked_at) in profiles.items():
            found = counts.get(user_id) if counts is not None else None
            if found is None:  # the graph failed: the counts last known
                authors[user_id] = profile
                self._keep(user_id, _Shown(profile, profile_asked_at, _NEVER))
            else:
                authors[user_id] = author = _with_counts(profile, found)
                self._keep(user_id, _Shown(author, profile_asked_at, asked_at))
        return authors

    async def _refresh(self) -> None:
        """Asks again, in one call, for the counts of the authors shown lately that are past half the bound."""
        now = self.clock()
        due = self._recent.due(lambda a: kept.counts_asked_at if (kept := self._shown.get(a)) else None, now)
        if not due:
            return
        LOCAL_CACHE.labels("authors", "refreshed").inc(len(due))
        counts = await self._counts(sorted(due))
        for user_id, found in (counts or {}).items():
            kept = self._shown.get(user_id)
            if kept is not None:
                self._keep(user_id, _Shown(_with_counts(kept.author, found), kept.profile_asked_at, now))

    def _keep(self, user_id: int, shown: _Shown) -> None:
        """Keeps `shown` unless counts asked for later landed meanwhile."""
        kept = self._shown.get(user_id)
        if kept is None or kept.counts_asked_at <= shown.counts_asked_at:
            self._shown.put(user_id, shown)

    async def _counts(self, user_ids: list[int]) -> dict[int, FollowCounts] | None:
        """None when the graph fails: counts are decoration, and the page is served with the ones last known."""
        try:
            return await self.counts.user_counts(user_ids)
        except Unavailable:
            LOCAL_CACHE.labels("authors", "counts_unavailable").inc(len(user_ids))
            return None
