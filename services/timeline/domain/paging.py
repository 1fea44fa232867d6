"""The pure decisions of paging a feed: how much of the home timeline a first page reads, where a page ends, what
is kept for the next page, and how a ranked window is served."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.timeline.domain.cursor import FeedCursor
from services.timeline.domain.feed import Post, order_by_scores
from services.timeline.domain.merge import read_size


@dataclass(frozen=True)
class HomeWindowSize:
    """What a first page reads of the home timeline with the reader's state: `count` ids, and the deletion of the
    first `checked` of them, asked in the same round trip."""

    count: int
    checked: int


def first_page_window(limit: int) -> HomeWindowSize:
    """The page's candidates with slack for items filtered out (their deletion is asked), and a page more read ahead
    for the next page (not asked: the next page asks when it serves them)."""
    checked = read_size(limit + 1)
    return HomeWindowSize(count=checked + limit, checked=checked)


def ranked_window(window_size: int) -> HomeWindowSize:
    """A ranked first page's read of the home timeline: its whole window and one post more (is there more below
    it?), each with its deletion asked, since the whole window is scored."""
    return HomeWindowSize(count=window_size + 1, checked=window_size + 1)


@dataclass(frozen=True)
class PageCut:
    posts: list[Post]
    next_before: int | None
    """The last post served, when more were found: the next page holds the posts below it (None: the feed ends)."""

    @property
    def next_cursor(self) -> FeedCursor | None:
        return FeedCursor(before=self.next_before) if self.next_before is not None else None


def cut_page(found: Sequence[Post], limit: int) -> PageCut:
    """A page of the first `limit` posts found; one found beyond them means the feed goes on."""
    page = list(found[:limit])
    return PageCut(page, page[-1].id if len(found) > limit else None)


def next_page_candidates(found: Sequence[Post], unchecked: Sequence[int], before: int) -> list[int]:
    """The next page's first candidates: the posts found beyond this page (below its cursor `before`), then the
    candidates read ahead and not checked yet, which are all below them."""
    return [p.id for p in found if p.id < before] + list(unchecked)


def authors_fingerprint(authors: frozenset[int]) -> str:
    """Which authors a read merged, to reuse candidates kept for a next page only for the same set. In-process only
    (kept candidates never leave the process), so the set's own hash will do."""
    return format(hash(authors) & 0xFFFF_FFFF_FFFF_FFFF, "x")


@dataclass(frozen=True)
class RankedCut:
    page: list[Post]
    unserved: list[int]
    """The rest of the window in ranked order, for the next pages."""


def cut_ranked(window: Sequence[Post], scores: list[float], limit: int) -> RankedCut:
    """The window in ranked order: its first `limit` posts make the page."""
    by_id = {p.id: p for p in window}
    order = order_by_scores([p.id for p in window], scores)
    return RankedCut([by_id[i] for i in order[:limit]], order[limit:])


def after_ranked_first_page(session: str | None, window_low: int, more: bool) -> FeedCursor | None:
    """The cursor after a ranked first page: the ranking session (opened when some of the window is unserved), then,
    if posts exist below the window (`more`), the posts below `window_low`, its lowest id."""
    if session is not None:
        return FeedCursor(session=session, offset=0, window_low=window_low if more else None)
    return FeedCursor(before=window_low) if more else None


def session_tag(model_version: str, experiment: str) -> str:
    """A ranking session's tag: what ordered it, for its next pages. Neither name holds a space or a '|' (the
    ranking service allows letters, digits, '_', '.', '-', and '/' between experiment and arm)."""
    return f"{model_version} {experiment}"


def ranked_by(tag: str) -> tuple[str, str]:
    """(model version, experiment) of a session's tag."""
    model_version, _, experiment = tag.partition(" ")
    return model_version, experiment
