"""What the web app's profile, post and search screens ask, through the real gateway: "liked by me" on a post
(read-your-writes), GET /v1/users/{id}/relationship, and GET /v1/users:search (handle prefix, paging, blocked
accounts left out, private accounts found). Bad input is 400, never 5xx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import User

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def caller(new_user: Callable[..., User]) -> User:
    return new_user()


def _ok(reply: httpx.Response) -> Any:
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_a_post_says_whether_the_reader_liked_it(client: httpx.Client, new_user: Callable[..., User]) -> None:
    alice, bob = new_user(), new_user()
    post_id = _ok(client.post("/v1/posts", json={"text": "like me"}, headers=alice.auth))["id"]
    assert _ok(client.get(f"/v1/posts/{post_id}", headers=bob.auth)).get("likedByMe", False) is False
    _ok(client.post(f"/v1/posts/{post_id}/like", headers=bob.auth))
    # the very next read after my like shows it, to me and not to the author
    assert _ok(client.get(f"/v1/posts/{post_id}", headers=bob.auth))["likedByMe"] is True
    assert _ok(client.get(f"/v1/posts/{post_id}", headers=alice.auth)).get("likedByMe", False) is False
    listed = _ok(client.get(f"/v1/users/{alice.id}/posts", headers=bob.auth))["posts"]
    assert [p.get("likedByMe", False) for p in listed] == [True]
    _ok(client.delete(f"/v1/posts/{post_id}/like", headers=bob.auth))
    assert _ok(client.get(f"/v1/posts/{post_id}", headers=bob.auth)).get("likedByMe", False) is False


def _relationship(client: httpx.Client, caller: User, other: User) -> set[str]:
    body = _ok(client.get(f"/v1/users/{other.id}/relationship", headers=caller.auth))
    assert body.pop("userId") == str(other.id)
    return {key for key, value in body.items() if value is True}


def test_relationship_of_a_stranger_a_requester_and_a_blocker(
    client: httpx.Client, new_user: Callable[..., User]
) -> None:
    stranger, private, friend = new_user(), new_user(private=True), new_user()
    assert _relationship(client, stranger, private) == {"private"}
    assert _ok(client.post(f"/v1/users/{private.id}/follow", headers=stranger.auth))["state"] == "REQUESTED"
    assert _relationship(client, stranger, private) == {"private", "requested"}
    _ok(client.post(f"/v1/users/{friend.id}/follow", headers=stranger.auth))
    _ok(client.put(f"/v1/close-friends/{friend.id}", headers=stranger.auth))
    assert _relationship(client, stranger, friend) == {"following", "closeFriend"}
    assert _relationship(client, friend, stranger) == {"followedBy"}
    _ok(client.post(f"/v1/users/{stranger.id}/block", headers=friend.auth))
    assert _relationship(client, friend, stranger) == {"blocking"}
    assert _relationship(client, stranger, friend) == set()


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/users/0/relationship", 400),
        ("/v1/users/-1/relationship", 400),
        ("/v1/users/abc/relationship", 400),
        ("/v1/users/8999999999999999993/relationship", 404),
        ("/v1/users:search", 400),
        ("/v1/users:search?query=", 400),
        ("/v1/users:search?query=a%20b", 400),
        ("/v1/users:search?query=%25", 400),
        ("/v1/users:search?query=" + "x" * 31, 400),
        ("/v1/users:search?query=ok&limit=-1", 400),
        ("/v1/users:search?query=ok&limit=abc", 400),
        ("/v1/users:search?query=ok&cursor=%21%21", 400),
    ],
)
def test_bad_input_is_400_never_5xx(
    client: httpx.Client, new_user: Callable[..., User], path: str, status: int
) -> None:
    caller = new_user()
    reply = client.get(path, headers=caller.auth)
    assert reply.status_code == status, reply.text


def test_relationship_of_yourself_is_400_and_both_need_a_token(
    client: httpx.Client, new_user: Callable[..., User]
) -> None:
    me = new_user()
    assert client.get(f"/v1/users/{me.id}/relationship", headers=me.auth).status_code == 400
    assert client.get(f"/v1/users/{me.id}/relationship").status_code == 401
    assert client.get("/v1/users:search", params={"query": "e2e"}).status_code == 401


def test_search_finds_by_prefix_pages_and_leaves_out_blocked_accounts(
    client: httpx.Client, new_user: Callable[..., User]
) -> None:
    viewer, blocked, blocker, private = new_user(), new_user(), new_user(), new_user(private=True)
    _ok(client.post(f"/v1/users/{blocked.id}/block", headers=viewer.auth))
    _ok(client.post(f"/v1/users/{viewer.id}/block", headers=blocker.auth))
    for person in (blocked, blocker, private):
        # the whole handle is a prefix too; '@' and upper case are accepted
        query = {"query": "@" + person.handle.upper()}
        found = _ok(client.get("/v1/users:search", params=query, headers=viewer.auth)).get("users", [])
        assert [u["id"] for u in found] == ([str(private.id)] if person is private else []), person
    assert _ok(client.get("/v1/users:search", params=query, headers=viewer.auth))["users"][0]["private"] is True

    seen, cursor = [], ""
    for _ in range(50):
        params = {"query": "e2e_", "limit": "7", "cursor": cursor}
        page = _ok(client.get("/v1/users:search", params=params, headers=viewer.auth))
        seen += [u["handle"] for u in page.get("users", [])]
        cursor = page.get("nextCursor", "")
        if not cursor or len(seen) >= 40:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) and seen
    assert blocked.handle not in seen and blocker.handle not in seen
