"""The contract's Engagement section through the real gateway: likes, comments and shares with their counts on
every view of a post, visibility (404), bad input (400), the per-user budget (429) and a shadow ban set with the
operator CLI, as an external app and an operator see them."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from services.common.polling import wait_for_sync
from stack.settings import ROOT
from tests.e2e.conftest import User

pytestmark = pytest.mark.e2e


def _ok(reply: httpx.Response) -> Any:
    assert reply.status_code == 200, reply.text
    return reply.json()


def _error(reply: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert body["code"] == code and body["message"], body
    return body


def _post(client: httpx.Client, author: User, text: str = "engage with me", **extra: str) -> str:
    return str(_ok(client.post("/v1/posts", json={"text": text, **extra}, headers=author.auth))["id"])


def _counts(client: httpx.Client, viewer: User, post_id: str) -> tuple[int, int, int]:
    post = _ok(client.get(f"/v1/posts/{post_id}", headers=viewer.auth))
    return int(post.get("likeCount", 0)), int(post.get("commentCount", 0)), int(post.get("shareCount", 0))


def test_likes_are_idempotent_and_show_on_every_view_of_the_post(
    client: httpx.Client, new_user: Callable[..., User]
) -> None:
    alice, bob = new_user(), new_user()
    _ok(client.post(f"/v1/users/{alice.id}/follow", headers=bob.auth))
    post_id = _post(client, alice)
    assert _ok(client.post(f"/v1/posts/{post_id}/like", headers=bob.auth)) == {"liked": True, "likeCount": "1"}
    assert _ok(client.post(f"/v1/posts/{post_id}/like", headers=bob.auth)) == {"liked": True, "likeCount": "1"}
    assert _counts(client, bob, post_id) == (1, 0, 0)  # read-your-writes for the actor
    listed = _ok(client.get(f"/v1/users/{alice.id}/posts", headers=bob.auth))["posts"]
    assert [(p["id"], p["likeCount"]) for p in listed] == [(post_id, "1")]

    def feed_item() -> list[Any]:  # delivery into the feed is asynchronous (outbox -> Kafka -> timeline)
        feed = _ok(client.get("/v1/feed", params={"mode": "chronological"}, headers=bob.auth))["items"]
        return [item for item in feed if item["post"]["id"] == post_id]

    mine = wait_for_sync(feed_item, bool, what="the liked post in the liker's feed", within=10, interval=0.05)
    assert mine[0]["likedByMe"] is True and mine[0]["post"]["likeCount"] == "1"

    assert _ok(client.delete(f"/v1/posts/{post_id}/like", headers=bob.auth)).get("likeCount", "0") == "0"
    assert _ok(client.delete(f"/v1/posts/{post_id}/like", headers=bob.auth)).get("likeCount", "0") == "0"
    assert _counts(client, bob, post_id) == (0, 0, 0)


def test_comments_page_oldest_first_and_are_deleted_by_their_author_or_the_posts(
    client: httpx.Client, new_user: Callable[..., User]
) -> None:
    alice, bob, carol = new_user(), new_user(), new_user()
    post_id = _post(client, alice)
    made = [
        _ok(client.post(f"/v1/posts/{post_id}/comments", json={"text": f"comment {n}"}, headers=bob.auth))
        for n in range(3)
    ]
    assert set(made[0]) >= {"id", "postId", "authorId", "text", "createTime"} and made[0]["authorId"] == str(bob.id)
    again = _ok(client.post(f"/v1/posts/{post_id}/comments", json={"text": " comment 0 "}, headers=bob.auth))
    assert again["id"] == made[0]["id"]  # the same text by the same user within 10 minutes is stored once

    seen, cursor = [], ""
    while True:
        page = _ok(
            client.get(f"/v1/posts/{post_id}/comments", params={"limit": 2, "cursor": cursor}, headers=carol.auth)
        )
        seen += [c["id"] for c in page["comments"]]
        cursor = page.get("nextCursor", "")
        if not cursor:
            break
    assert seen == [c["id"] for c in made]
    assert _counts(client, carol, post_id) == (0, 3, 0)

    _error(client.delete(f"/v1/posts/{post_id}/comments/{made[0]['id']}", headers=carol.auth), 403, 7)
    assert _ok(client.delete(f"/v1/posts/{post_id}/comments/{made[0]['id']}", headers=bob.auth)) == {}
    assert _ok(client.delete(f"/v1/posts/{post_id}/comments/{made[1]['id']}", headers=alice.auth)) == {}
    assert _counts(client, carol, post_id) == (0, 1, 0)

    _error(client.post(f"/v1/posts/{post_id}/comments", json={"text": "   "}, headers=bob.auth), 400, 3)
    _error(client.post(f"/v1/posts/{post_id}/comments", json={"text": "x" * 1001}, headers=bob.auth), 400, 3)
    _error(client.get(f"/v1/posts/{post_id}/comments", params={"cursor": "not a cursor"}, headers=bob.auth), 400, 3)


def test_a_share_retried_with_its_idempotency_key_counts_once(
    client: httpx.Client, new_user: Callable[..., User]
) -> None:
    alice, bob = new_user(), new_user()
    post_id = _post(client, alice)
    key = {"Idempotency-Key": secrets.token_hex(8)}
    first = _ok(client.post(f"/v1/posts/{post_id}/shares", headers={**bob.auth, **key}))
    assert first == {"shareCount": "1"}
    assert _ok(client.post(f"/v1/posts/{post_id}/shares", headers={**bob.auth, **key})) == first
    assert _counts(client, alice, post_id) == (0, 0, 1)


def test_only_what_one_may_see_can_be_engaged_with(client: httpx.Client, new_user: Callable[..., User]) -> None:
    private, blocker, stranger = new_user(private=True), new_user(), new_user()
    hidden = _post(client, private)
    blocked = _post(client, blocker)
    _ok(client.post(f"/v1/users/{stranger.id}/block", headers=blocker.auth))
    deleted = _post(client, stranger)
    _ok(client.delete(f"/v1/posts/{deleted}", headers=stranger.auth))
    for post_id in (hidden, blocked, deleted, "1"):
        _error(client.post(f"/v1/posts/{post_id}/like", headers=stranger.auth), 404, 5)
        _error(client.post(f"/v1/posts/{post_id}/comments", json={"text": "hi"}, headers=stranger.auth), 404, 5)
        _error(client.post(f"/v1/posts/{post_id}/shares", headers=stranger.auth), 404, 5)
        _error(client.get(f"/v1/posts/{post_id}/comments", headers=stranger.auth), 404, 5)
    _error(client.post("/v1/posts/not-a-number/like", headers=stranger.auth), 400, 3)
    _error(client.post("/v1/posts/-5/like", headers=stranger.auth), 400, 3)


def test_liking_and_unliking_in_a_loop_runs_into_the_budget(
    client: httpx.Client, new_user: Callable[..., User]
) -> None:
    alice, looper = new_user(), new_user()
    post_id = _post(client, alice)
    statuses = []
    for _ in range(40):  # far below the gateway's per-user write budget: the 429 is the engagement service's
        reply = client.post(f"/v1/posts/{post_id}/like", headers=looper.auth)
        statuses.append(reply.status_code)
        if reply.status_code == 429:
            body = _error(reply, 429, 8)
            assert body["details"][0]["reason"] == "ENGAGEMENT_BUDGET_EXHAUSTED", body
            break
        _ok(client.delete(f"/v1/posts/{post_id}/like", headers=looper.auth))
    assert statuses[-1] == 429, statuses


def _feedmesh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT / ".venv" / "bin" / "feedmesh"), *args], capture_output=True, text=True, timeout=30)


def test_a_shadow_banned_users_engagement_shows_to_them_only(
    client: httpx.Client, new_user: Callable[..., User]
) -> None:
    alice, troll = new_user(), new_user()
    post_id = _post(client, alice)
    banned = _feedmesh("admin", "shadow-ban", str(troll.id))
    assert banned.returncode == 0, banned.stderr
    try:
        _ok(client.post(f"/v1/posts/{post_id}/like", headers=troll.auth))
        comment = _ok(client.post(f"/v1/posts/{post_id}/comments", json={"text": "spam"}, headers=troll.auth))
        assert _counts(client, troll, post_id) == (1, 1, 0)  # looks normal to the banned user
        assert _counts(client, alice, post_id) == (0, 0, 0)  # and counts for nobody else
        others = _ok(client.get(f"/v1/posts/{post_id}/comments", headers=alice.auth))["comments"]
        assert comment["id"] not in [c["id"] for c in others]
        status = _feedmesh("admin", "status", str(troll.id))
        assert status.returncode == 0 and "SHADOW-BANNED" in status.stdout, status.stdout + status.stderr
    finally:
        assert _feedmesh("admin", "unban", str(troll.id)).returncode == 0
