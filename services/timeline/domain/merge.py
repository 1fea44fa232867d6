"""Merging the candidate streams of a feed read: newest first, no duplicates, strictly below the cursor."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class StreamSlice:
    """Up to `asked` ids of one stream below a bound, newest first. Fewer than asked: the stream ends there."""

    ids: Sequence[int]
    asked: int

    @property
    def exhausted(self) -> bool:
        return len(self.ids) < self.asked


@dataclass(frozen=True)
class MergedCandidates:
    ids: list[int]
    exhausted: bool


def merge_slices(slices: Iterable[StreamSlice], before: int | None, limit: int) -> MergedCandidates:
    """The `limit` newest distinct ids of all slices below `before`.

    Correct when every slice holds its stream's newest `asked >= limit` ids below `before` (or all it has): then
    no id missing from the slices can rank among the first `limit`. `exhausted` says nothing exists below the
    last id returned.
    """
    seen: set[int] = set()
    exhausted = True
    for part in slices:
        exhausted = exhausted and part.exhausted
        seen.update(part.ids)
    if before is not None:
        seen = {post_id for post_id in seen if post_id < before}
    ordered = sorted(seen, reverse=True)
    if len(ordered) > limit:
        return MergedCandidates(ordered[:limit], exhausted=False)
    return MergedCandidates(ordered, exhausted=exhausted)


def extra_slice(ids: Sequence[int], before: int | None, count: int) -> StreamSlice:
    """Ids known apart from any stream (newest first), as a slice of up to `count` below `before`: all of them there
    are, so never the slice that cuts a merge short."""
    below = [i for i in ids if before is None or i < before]
    return StreamSlice(below[:count], count)


def read_size(wanted: int, maximum: int = 1000) -> int:
    """How many candidates to read for `wanted` visible items: some slack for items filtered out."""
    return min(max(wanted + wanted // 2 + 8, 16), maximum)
