"""The public REST contract (shared/api/public-rest-contract.md) through the real gateway: each route with its
success shape and its error cases, REST errors as JSON `{"code", "message", "details"}` with the contract's
status. The Engagement and Notifications sections have files of their own (test_engagement_routes.py,
test_notification_routes.py)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from services.common.polling import wait_for_sync
from tests.e2e.conftest import PASSWORD, User

pytestmark = pytest.mark.e2e


def _error(reply: httpx.Response, status: int, code: int) -> dict[str, object]:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert body["code"] == code and body["message"] and isinstance(body["details"], list)
    return body


# --- accounts and sessions (public) ---------------------------------------------------------------------------
def test_register_and_log_in(client: httpx.Client) -> None:
    handle = f"e2e_{secrets.token_hex(6)}"
    user = client.post("/v1/users", json={"handle": handle, "password": PASSWORD, "displayName": "E2E"})
    assert user.status_code == 200, user.text
    body = user.json()
    assert body["handle"] == handle and body["displayName"] == "E2E" and body["private"] is False
    assert set(body) >= {"id", "handle", "displayName", "private", "createTime", "followerCount", "followingCount"}
    assert isinstance(body["id"], str)  # int64 as a JSON string

    _error(client.post("/v1/users", json={"handle": handle, "password": PASSWORD}), 409, 6)
    _error(client.post("/v1/users", json={"handle": "x", "password": PASSWORD}), 400, 3)
    _error(client.post("/v1/users", json={"handle": f"e2e_{secrets.token_hex(4)}", "password": "short"}), 400, 3)

    session = client.post("/v1/sessions", json={"handle": handle, "password": PASSWORD})
    assert session.status_code == 200, session.text
    assert session.json()["userId"] == body["id"] and int(session.json()["expiresIn"]) > 0
    token = session.json()["accessToken"]
    me = client.get(f"/v1/users/{body['id']}", headers={"authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["handle"] == handle

    _error(client.post("/v1/sessions", json={"handle": handle, "password": "wrong password"}), 401, 16)


def test_get_user(client: httpx.Client, new_user: Callable[..., User]) -> None:
    alice = new_user()
    reply = client.get(f"/v1/users/{alice.id}", headers=alice.auth)
    assert reply.status_code == 200
    assert reply.json()["followerCount"] == "0" and reply.json()["followingCount"] == "0"
    _error(client.get("/v1/users/1", headers=alice.auth), 404, 5)
    _error(client.get("/v1/users/not-a-number", headers=alice.auth), 400, 3)


def test_get_current_user(client: httpx.Client, new_user: Callable[..., User]) -> None:
    alice, bob = new_user(), new_user()
    assert client.post(f"/v1/users/{alice.id}/follow", headers=bob.auth).status_code == 200
    reply = client.get("/v1/users/me", headers=alice.auth)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body == client.get(f"/v1/users/{alice.id}", headers=bob.auth).json()
    assert (body["id"], body["handle"], body["followerCount"], body["followingCount"]) == (
        str(alice.id),
        alice.handle,
        "1",
        "0",
    )
    _error(client.get("/v1/users/me"), 401, 16)


# --- the social graph ---------------------------------------------------------------------------------------------
def test_follow_unfollow_and_lists(client: httpx.Client, new_user: Callable[..., User]) -> None:
    alice, bob = new_user(), new_user()
    assert client.post(f"/v1/users/{bob.id}/follow", headers=alice.auth).json() == {"state": "FOLLOWING"}
    followers = client.get(f"/v1/users/{bob.id}/followers", headers=alice.auth).json()
    assert [u["id"] for u in followers["users"]] == [str(alice.id)]
    following = client.get(f"/v1/users/{alice.id}/following", params={"limit": 10}, headers=bob.auth).json()
    assert [u["id"] for u in following["users"]] == [str(bob.id)]
    assert client.get(f"/v1/users/{bob.id}", headers=alice.auth).json()["followerCount"] == "1"
    assert client.delete(f"/v1/users/{bob.id}/follow", headers=alice.auth).json() == {}
    assert client.get(f"/v1/users/{bob.id}/followers", headers=alice.auth).json()["users"] == []

    _error(client.post(f"/v1/users/{alice.id}/follow", headers=alice.auth), 400, 3)  # yourself
    _error(client.post("/v1/users/1/follow", headers=alice.auth), 404, 5)


def test_follow_requests_of_a_private_account(client: httpx.Client, new_user: Callable[..., User]) -> None:
    owner, fan, other = new_user(private=True), new_user(), new_user()
    assert client.post(f"/v1/users/{owner.id}/follow", headers=fan.auth).json() == {"state": "REQUESTED"}
    assert client.post(f"/v1/users/{owner.id}/follow", headers=other.auth).json() == {"state": "REQUESTED"}
    pending = client.get("/v1/follow-requests", headers=owner.auth).json()
    assert {u["id"] for u in pending["requests"]} == {str(fan.id), str(other.id)}
    assert client.post(f"/v1/follow-requests/{fan.id}/approve", headers=owner.auth).json() == {}
    assert client.post(f"/v1/follow-requests/{other.id}/reject", headers=owner.auth).json() == {}
    followers = client.get(f"/v1/users/{owner.id}/followers", headers=owner.auth).json()["users"]
    assert [u["id"] for u in followers] == [str(fan.id)]
    _error(client.post(f"/v1/follow-requests/{other.id}/approve", headers=owner.auth), 404, 5)


def test_block_and_close_friends(client: httpx.Client, new_user: Callable[..., User]) -> None:
    alice, bob = new_user(), new_user()
    client.post(f"/v1/users/{alice.id}/follow", headers=bob.auth)
    assert client.post(f"/v1/users/{bob.id}/block", headers=alice.auth).json() == {}
    _error(client.post(f"/v1/users/{alice.id}/follow", headers=bob.auth), 403, 7)
    assert client.get(f"/v1/users/{alice.id}/followers", headers=alice.auth).json()["users"] == []
    assert client.delete(f"/v1/users/{bob.id}/block", headers=alice.auth).json() == {}
    assert client.post(f"/v1/users/{alice.id}/follow", headers=bob.auth).json() == {"state": "FOLLOWING"}

    assert client.put(f"/v1/close-friends/{bob.id}", headers=alice.auth).json() == {}
    assert client.delete(f"/v1/close-friends/{bob.id}", headers=alice.auth).json() == {}


# --- posts --------------------------------------------------------------------------------------------------------
def test_posts(client: httpx.Client, new_user: Callable[..., User]) -> None:
    alice, bob = new_user(), new_user()
    key = {"Idempotency-Key": secrets.token_hex(8)}
    first = client.post("/v1/posts", json={"text": "hello through Envoy"}, headers={**alice.auth, **key})
    assert first.status_code == 200, first.text
    post = first.json()
    assert (
        post["authorId"] == str(alice.id) and post["visibility"] == "PUBLIC" and post["text"] == "hello through Envoy"
    )
    assert set(post) >= {"id", "authorId", "text", "mediaRefs", "visibility", "createTime", "likeCount"}
    # the Idempotency-Key header reaches the service as `idempotency-key` metadata: a retry returns the first post
    again = client.post("/v1/posts", json={"text": "hello through Envoy"}, headers={**alice.auth, **key})
    assert again.json()["id"] == post["id"]

    assert client.get(f"/v1/posts/{post['id']}", headers=bob.auth).json()["id"] == post["id"]
    page = client.get(f"/v1/users/{alice.id}/posts", params={"limit": 5}, headers=bob.auth).json()
    assert [p["id"] for p in page["posts"]] == [post["id"]]

    _error(client.post("/v1/posts", json={"text": "   "}, headers=alice.auth), 400, 3)
    _error(client.post("/v1/posts", json={"text": "x" * 501}, headers=alice.auth), 400, 3)
    _error(client.post("/v1/posts", json={"text": "hi", "visibility": "NOBODY"}, headers=alice.auth), 400, 3)
    _error(client.delete(f"/v1/posts/{post['id']}", headers=bob.auth), 403, 7)
    assert client.delete(f"/v1/posts/{post['id']}", headers=alice.auth).json() == {}
    _error(client.get(f"/v1/posts/{post['id']}", headers=bob.auth), 404, 5)


def test_feed(client: httpx.Client, new_user: Callable[..., User]) -> None:
    alice, bob = new_user(), new_user()
    client.post(f"/v1/users/{bob.id}/follow", headers=alice.auth)
    post = client.post("/v1/posts", json={"text": "for my followers"}, headers=bob.auth).json()

    # Delivery is asynchronous (outbox -> Kafka -> timeline): poll within a bound far above the freshness target.
    def feed_items() -> list[dict[str, Any]]:
        feed = client.get("/v1/feed", params={"mode": "chronological", "limit": 10}, headers=alice.auth)
        assert feed.status_code == 200, feed.text
        return list(feed.json()["items"])

    items = wait_for_sync(feed_items, bool, what="the post in the follower's feed", within=10, interval=0.05)
    assert items[0]["post"]["id"] == post["id"] and items[0]["author"]["id"] == str(bob.id)
    _error(client.get("/v1/feed", params={"mode": "sideways"}, headers=alice.auth), 400, 3)


# --- gateway-level errors -----------------------------------------------------------------------------------------
def test_unknown_route_is_json_404(client: httpx.Client, new_user: Callable[..., User]) -> None:
    user = new_user()
    _error(client.get("/v2/nothing", headers=user.auth), 404, 5)
    _error(client.patch(f"/v1/posts/{user.id}", headers=user.auth), 404, 5)  # known path, unknown method
    # a public service's unknown method has no route, not even with a token (internal services:
    # test_gateway_internal_services.py)
    _error(client.post("/feedmesh.post.v1.PostService/BatchGetPosts", json={}, headers=user.auth), 404, 5)


def test_unknown_query_parameter_is_json_400(client: httpx.Client, new_user: Callable[..., User]) -> None:
    user = new_user()
    body = _error(client.get(f"/v1/users/{user.id}/posts", params={"bogus": "1"}, headers=user.auth), 400, 3)
    assert "bogus" in str(body["message"])


def test_bad_json_is_400(client: httpx.Client, new_user: Callable[..., User]) -> None:
    user = new_user()
    reply = client.post("/v1/posts", content=b"{not json", headers={**user.auth, "content-type": "application/json"})
    _error(reply, 400, 3)


def test_body_over_1_mib_is_json_413(client: httpx.Client, new_user: Callable[..., User]) -> None:
    user = new_user()
    big = b'{"text": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    reply = client.post("/v1/posts", content=big, headers={**user.auth, "content-type": "application/json"})
    _error(reply, 413, 8)


def test_cors_preflight_for_a_configured_origin(client: httpx.Client) -> None:
    origin = "http://localhost:3000"  # in the default FEEDMESH_CORS_ORIGINS
    preflight = {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization",
    }
    reply = client.options("/v1/posts", headers=preflight)
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == origin
    assert "authorization" in reply.headers["access-control-allow-headers"]
    other = client.options("/v1/posts", headers={**preflight, "origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_http2_cleartext_rest(gateway: object, new_user: Callable[..., User]) -> None:
    """REST over h2c (prior knowledge) on the same listener; skipped when httpx has no `h2`."""
    pytest.importorskip("h2")
    user = new_user()
    with httpx.Client(http1=False, http2=True, base_url=gateway.url) as h2:  # type: ignore[attr-defined]
        reply = h2.get(f"/v1/users/{user.id}", headers=user.auth)
    assert reply.http_version == "HTTP/2" and reply.status_code == 200
