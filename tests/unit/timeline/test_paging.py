"""The pure decisions of a feed read, without servers: the first page's home window, where a page ends, what is kept
for the next page, how a ranked window is served, and what upkeep a plan asks for."""

from __future__ import annotations

from services.common.visibility import Visibility
from services.timeline.domain.cursor import FeedCursor
from services.timeline.domain.delivery import Followees, plan_read, source_upkeep
from services.timeline.domain.feed import Post
from services.timeline.domain.merge import read_size
from services.timeline.domain.paging import (
    after_ranked_first_page,
    authors_fingerprint,
    cut_page,
    cut_ranked,
    first_page_window,
    next_page_candidates,
)


def posts(*ids: int) -> list[Post]:
    return [Post(id=i, author_id=1, text="t", visibility=Visibility.PUBLIC, create_time_ns=0) for i in ids]


def test_a_first_page_checks_its_own_candidates_and_reads_a_page_ahead() -> None:
    window = first_page_window(20)
    assert window.checked == read_size(21)
    assert window.count == window.checked + 20


def test_a_page_ends_at_the_limit_and_the_next_one_starts_below_its_last_post() -> None:
    cut = cut_page(posts(9, 8, 7, 6), 3)
    assert [p.id for p in cut.posts] == [9, 8, 7]
    assert cut.next_before == 7 and cut.next_cursor == FeedCursor(before=7)


def test_the_feed_ends_when_nothing_was_found_beyond_the_page() -> None:
    for found in (posts(9, 8, 7), posts(9), posts()):
        cut = cut_page(found, 3)
        assert cut.next_before is None and cut.next_cursor is None


def test_the_next_page_starts_from_the_posts_beyond_this_one_then_the_unchecked_candidates() -> None:
    assert next_page_candidates(posts(9, 8, 7, 6, 5), [4, 2], before=7) == [6, 5, 4, 2]


def test_kept_candidates_are_told_apart_by_the_set_of_authors() -> None:
    assert authors_fingerprint(frozenset({1, 2})) == authors_fingerprint(frozenset({2, 1}))
    assert authors_fingerprint(frozenset({1, 2})) != authors_fingerprint(frozenset({1, 3}))


def test_a_ranked_window_serves_its_best_first_and_keeps_the_rest_in_ranked_order() -> None:
    ranked = cut_ranked(posts(9, 8, 7, 6), [0.1, 0.9, 0.5, 0.9], limit=2)
    assert [p.id for p in ranked.page] == [8, 6]  # equal scores: newest first
    assert ranked.unserved == [7, 9]


def test_after_a_ranked_first_page_the_session_then_the_posts_below_the_window() -> None:
    assert after_ranked_first_page("s1", 40, more=True) == FeedCursor(session="s1", offset=0, window_low=40)
    assert after_ranked_first_page("s1", 40, more=False) == FeedCursor(session="s1", offset=0)
    assert after_ranked_first_page(None, 40, more=True) == FeedCursor(before=40)
    assert after_ranked_first_page(None, 40, more=False) is None


def test_the_upkeep_forgets_stale_sources_and_backfills_followees_but_never_celebrities() -> None:
    followees = Followees(pushed=frozenset({2, 3}), celebrities=frozenset({4}))
    plan = plan_read(10, followees, {3: 0, 7: 0, 5: 0})
    upkeep = source_upkeep(plan)
    assert upkeep.forget == [5, 7]
    assert upkeep.backfill == [2, 10]  # the reader itself too; 4 is pulled
