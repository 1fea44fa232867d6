"""Feed items encoded once: a reused encoding must still say what the item says now."""

from __future__ import annotations

from dataclasses import replace

from feedmesh.timeline.v1 import timeline_service_pb2

from services.common.local_cache_gauges import NAMED_CACHES
from services.common.visibility import Visibility
from services.timeline.api.servicer import EncodedItems, _item
from services.timeline.domain.cursor import FeedCursor
from services.timeline.domain.feed import Author, FeedItem, FeedPage, Post, PostStats

POST = Post(id=7, author_id=3, text="hello", visibility=Visibility.PUBLIC, create_time_ns=1_700_000_000_000_000_000)
AUTHOR = Author(id=3, handle="ann", display_name="Ann", follower_count=10)


def test_a_page_from_encoded_items_equals_one_built_field_by_field() -> None:
    long = replace(POST, id=9, text="x" * 20_000)  # an item longer than a one- or two-byte length prefix holds
    items = [
        FeedItem(POST, AUTHOR),
        FeedItem(replace(POST, id=8), AUTHOR, PostStats(like_count=2)),
        FeedItem(long, AUTHOR),
    ]
    page = FeedPage(items=items, next_cursor=FeedCursor(before=8), degraded=True)
    encoded = EncodedItems()
    for _ in range(2):  # built, then reused
        got = encoded.response(page)
        assert list(got.items) == [_item(i) for i in items]
        assert got.next_cursor == FeedCursor(before=8).encode() and got.degraded
    assert encoded.response(FeedPage()) == timeline_service_pb2.GetFeedResponse()


def test_an_item_whose_author_or_stats_changed_is_encoded_again() -> None:
    encoded = EncodedItems()
    encoded.response(FeedPage(items=[FeedItem(POST, AUTHOR)]))
    newer = FeedItem(POST, replace(AUTHOR, follower_count=11), PostStats(like_count=1, liked_by_me=True))
    (item,) = encoded.response(FeedPage(items=[newer])).items
    assert item.author.follower_count == 11 and item.post.like_count == 1 and item.liked_by_me
    assert item.post.liked_by_me  # the post says so too, as GetPost does


def test_the_least_recently_used_encodings_go_first() -> None:
    encoded = EncodedItems(size=2)
    for post_id in (1, 2, 1, 3):
        encoded.response(FeedPage(items=[FeedItem(replace(POST, id=post_id), AUTHOR)]))
    assert list(encoded._encoded) == [1, 3]
    assert isinstance(encoded.response(FeedPage()), timeline_service_pb2.GetFeedResponse)


def test_an_equal_item_made_of_new_objects_reuses_its_bytes_and_is_then_known_by_identity() -> None:
    """Authors are fetched again every minute: equal details in new objects. The encoding is reused, and the entry
    takes the new objects, so later pages match on identity instead of comparing every field."""
    encoded = EncodedItems()
    encoded.response(FeedPage(items=[FeedItem(POST, AUTHOR)]))
    refetched = replace(AUTHOR)
    assert refetched == AUTHOR and refetched is not AUTHOR
    (item,) = encoded.response(FeedPage(items=[FeedItem(POST, refetched)])).items
    assert item == _item(FeedItem(POST, AUTHOR))
    assert encoded._encoded[POST.id][1] is refetched


def test_the_encoded_items_stay_within_their_size_and_report_their_fill() -> None:
    encoded = EncodedItems(size=3)
    for post_id in range(1, 6):
        encoded.response(FeedPage(items=[FeedItem(replace(POST, id=post_id), AUTHOR)]))
    assert len(encoded) == 3 and encoded.weight == 3
    reported = NAMED_CACHES.totals()["timeline.encoded_items"]
    assert reported[0] >= 3 and reported[2] >= 3  # summed with any other live EncodedItems of this process
