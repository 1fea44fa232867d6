"""What a ranked feed tells its reader and logs: the model and arm on every page of its ranked window, positions
counted across pages in the cursor, impressions of sampled pages (ranked items with their scores, the rest
chronological)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.common.visibility import Visibility
from services.timeline.app.impressions import Impressions
from services.timeline.domain.cursor import FeedCursor, FeedMode
from services.timeline.domain.feed import Author, FeedItem, FeedPage, Post
from tests.unit.timeline.fakes import FakeEngagement, FakeImpressionLog, FakeRanker
from tests.unit.timeline.timeline_rig import Rig, make_rig


async def test_every_page_of_the_ranked_window_names_its_model_and_impressions_number_the_whole_feed() -> None:
    rig = make_rig(threshold=100, ranker=FakeRanker())
    await rig.follow(10, 2)
    await rig.feed(10, 3)
    rig.impressions.logged.clear()
    for _ in range(20):
        await rig.publish(2)
    cursor = FeedCursor()
    pages: list[FeedPage] = []
    while True:
        page = await rig.get_feed(10, cursor, 5, FeedMode.RANKED)
        pages.append(page)
        if page.next_cursor is None:
            break
        cursor = FeedCursor.decode(page.next_cursor.encode())
    # The window is 12 posts: pages 1-2 ranked, page 3 two ranked then chronological, page 4 chronological.
    assert [(p.model_version, p.experiment, p.ranked_items) for p in pages] == [
        ("r1", "exp/arm", 5),
        ("r1", "exp/arm", 5),
        ("r1", "exp/arm", 2),
        ("", "", 0),
    ]
    logged = rig.impressions.logged
    served = [i.post.id for p in pages for i in p.items]
    assert [i.post_id for i in logged] == served
    assert [i.position for i in logged] == list(range(20))
    assert [i.mode for i in logged] == ["ranked"] * 12 + ["chronological"] * 8
    assert {i.model_version for i in logged[:12]} == {"r1"} and {i.model_version for i in logged[12:]} == {""}
    assert [i.score for i in logged[:5]] == [float(p % 7) for p in served[:5]]  # the first page's scores
    assert len({i.page_id for i in logged}) == 4


async def test_a_chronological_feed_is_logged_without_a_model() -> None:
    rig = make_rig(threshold=100)
    await rig.follow(10, 2)
    for _ in range(4):
        await rig.publish(2)
    await rig.feed(10, 3)
    assert [(i.position, i.mode, i.model_version) for i in rig.impressions.logged] == [
        (n, "chronological", "") for n in range(4)
    ]


async def test_a_degraded_page_is_logged_as_chronological() -> None:
    rig = make_rig(threshold=100, ranker=FakeRanker(fail=True))
    await rig.follow(10, 2)
    for _ in range(3):
        await rig.publish(2)
    page = await rig.get_feed(10, FeedCursor(), 3, FeedMode.RANKED)
    assert page.degraded and page.model_version == ""
    assert {i.mode for i in rig.impressions.logged} == {"chronological"}


def test_a_sampled_fraction_of_pages_is_logged_whole() -> None:
    post = Post(id=7, author_id=2, text="t", visibility=Visibility.PUBLIC, create_time_ns=1)
    page = FeedPage(items=[FeedItem(post, Author(2)), FeedItem(replace(post, id=6), Author(2))])
    log = FakeImpressionLog()
    Impressions(log=log, sample=0.0).page_served(1, page, 0)
    assert log.logged == []
    draws = iter([0.3, 0.7, 0.1])
    sampled = Impressions(log=log, sample=0.5, draw=lambda: next(draws))
    for first in (0, 2, 4):
        sampled.page_served(1, page, first)
    assert [i.position for i in log.logged] == [0, 1, 4, 5]


async def test_a_first_page_read_again_with_the_same_window_reuses_its_order_and_session() -> None:
    ranker = FakeRanker()
    rig = make_rig(threshold=100, ranker=ranker)
    await rig.follow(10, 2)
    await rig.feed(10, 3)
    for _ in range(20):
        await rig.publish(2)
    first = await rig.feed(10, 5, FeedMode.RANKED)
    again = await rig.feed(10, 5, FeedMode.RANKED)
    assert again == first and ranker.calls == 1
    await rig.feed(10, 4, FeedMode.RANKED)  # another page size: scored anew (the session was cut for 5)
    assert ranker.calls == 2
    newest = await rig.publish(2)
    after_a_new_post = await rig.feed(10, 5, FeedMode.RANKED)
    assert ranker.calls == 3 and newest in after_a_new_post
    every_time = FakeRanker()
    never = make_rig(threshold=100, ranker=every_time, reuse_seconds=0)
    await never.follow(10, 2)
    await never.publish(2)
    await never.feed(10, 5, FeedMode.RANKED)
    await never.feed(10, 5, FeedMode.RANKED)
    assert every_time.calls == 2


async def follower_of_one_author(posts: int, ranker: FakeRanker, **rig_options: bool) -> Rig:
    """Viewer 10 follows author 2 (a reader whose home timeline is cached), who then publishes `posts` posts."""
    rig = make_rig(threshold=100, ranker=ranker, **rig_options)
    await rig.follow(10, 2)
    await rig.feed(10, 3)
    for _ in range(posts):
        await rig.publish(2)
    return rig


async def first_ranked_page(rig: Rig, viewer: int, limit: int) -> list[int]:
    page = await rig.get_feed(viewer, FeedCursor(), limit, FeedMode.RANKED)
    return [i.post.id for i in page.items]


@pytest.mark.parametrize("window_tombstones", [True, False])
async def test_a_post_deleted_after_its_window_was_ranked_is_not_served_again(window_tombstones: bool) -> None:
    ranker = FakeRanker()
    rig = await follower_of_one_author(20, ranker, window_tombstones=window_tombstones)
    first = await first_ranked_page(rig, 10, 5)
    del rig.world.posts[first[0]]
    again = await first_ranked_page(rig, 10, 5)
    assert first[0] not in again and len(again) == 5
    assert ranker.calls == 2, "the window changed: scored again"


async def test_a_relationship_change_scores_the_window_again_and_shows_what_it_made_visible() -> None:
    ranker = FakeRanker()
    rig = await follower_of_one_author(3, ranker)
    secret = await rig.publish(2, Visibility.CLOSE_FRIENDS)
    before = await first_ranked_page(rig, 10, 5)
    assert secret not in before and ranker.calls == 1
    rig.world.close_friends.add((2, 10))
    after = await first_ranked_page(rig, 10, 5)
    assert secret in after and ranker.calls == 2


async def test_a_reused_page_shows_the_viewers_own_new_like_and_scores_nothing() -> None:
    ranker = FakeRanker()
    rig = await follower_of_one_author(8, ranker)
    await rig.get_feed(10, FeedCursor(), 5, FeedMode.RANKED)
    engagement = rig.get_feed.ranked.hydrator.post_stats.engagement
    assert isinstance(engagement, FakeEngagement)
    engagement.liked_by[10] = set(rig.world.posts)
    page = await rig.get_feed(10, FeedCursor(), 5, FeedMode.RANKED)
    assert ranker.calls == 1 and all(i.stats.liked_by_me for i in page.items)
