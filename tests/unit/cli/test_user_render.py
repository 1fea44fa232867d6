"""The user commands' views as a person reads them: who, when, what, the counts and likedByMe, from the gateway's
JSON (ids and counts as strings, optional fields absent)."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console, RenderableType

from feedmesh_cli.user_render import age, feed_view, likes, next_page_hint, notification_table, user_label

NOW = datetime(2026, 12, 7, 3, 0, 0, tzinfo=UTC)


def _text(renderable: RenderableType) -> str:
    console = Console(width=160, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def _row(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


def test_age_is_short_and_becomes_a_date_past_a_week() -> None:
    assert age("2026-12-07T02:59:15.5Z", NOW) == "44s ago"  # whole seconds, rounded down
    assert age("2026-12-07T02:48:00Z", NOW) == "12m ago"
    assert age("2026-12-06T23:59:59.123456Z", NOW) == "3h ago"
    assert age("2026-12-01T03:00:00Z", NOW) == "6d ago"
    assert age("2026-11-01T03:00:00Z", NOW) == "2026-11-01"
    assert age("2026-12-07T03:00:02Z", NOW) == "0s ago"  # a clock a little ahead
    assert age("", NOW) == "" and age("soon", NOW) == "soon"


def test_user_label() -> None:
    assert user_label({"id": "1", "handle": "alice", "displayName": "Alice A"}) == "@alice (Alice A)"
    assert user_label({"id": "1", "handle": "alice", "displayName": ""}) == "@alice"
    assert user_label({"id": "9"}) == "user 9"


def test_the_feed_shows_author_time_text_counts_and_liked_by_me() -> None:
    page = {
        "items": [
            {
                "post": {
                    "id": "1001",
                    "text": "hello there",
                    "createTime": "2026-12-07T02:55:00Z",
                    "likeCount": "3",
                    "commentCount": "1",
                    "shareCount": "0",
                    "mediaRefs": ["m_abc"],
                },
                "author": {"id": "7", "handle": "alice", "displayName": "Alice"},
                "likedByMe": True,
            },
            {
                "post": {"id": "1000", "text": "older", "createTime": "2026-12-06T23:00:00Z", "likeCount": "1"},
                "author": {"id": "8", "handle": "bob"},
            },
        ],
        "nextCursor": "c2",
    }
    assert _text(feed_view(page, NOW)).splitlines() == [
        "@alice (Alice)  5m ago  post 1001",
        "hello there",
        "[media: m_abc]",
        "3 likes · 1 comment · 0 shares · liked by you",
        "",
        "@bob  4h ago  post 1000",
        "older",
        "1 like · 0 comments · 0 shares",
        "",
    ]
    assert next_page_hint("feed", page) == "more: feedmesh feed --page-token c2"
    assert next_page_hint("feed", {"items": [], "nextCursor": ""}) is None


def test_a_long_text_wraps_in_a_narrow_terminal() -> None:
    page = {"items": [{"post": {"id": "1", "text": "word " * 40}, "author": {"handle": "alice"}}]}
    console = Console(width=40, record=True, color_system=None)
    console.print(feed_view(page, NOW))
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 40 and sum("word" in line for line in lines) >= 5


def test_notifications_say_who_did_what_and_mark_the_unread() -> None:
    page = {
        "notifications": [
            {
                "id": "5",
                "kind": "LIKE",
                "actor": {"id": "8", "handle": "bob"},
                "postId": "1001",
                "createTime": "2026-12-07T02:59:00Z",
                "read": False,
            },
            {"id": "4", "kind": "FOLLOW", "actor": {"id": "9", "handle": "carol"}, "createTime": "", "read": True},
        ]
    }
    text = _text(notification_table(page, NOW))
    like, follow = _row(text, "@bob"), _row(text, "@carol")
    assert "*" in like and "1m ago" in like and "liked your post 1001" in like
    assert "*" not in follow and "followed you" in follow


def test_like_counts() -> None:
    assert [likes({"liked": True, "likeCount": n}) for n in ("1", "0", "12")] == ["1 like", "0 likes", "12 likes"]
    assert likes({"liked": False}) == "0 likes"
