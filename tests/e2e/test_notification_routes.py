"""The contract's Notifications section through the real gateway: every kind reaches its recipient (delivery is
asynchronous: graph, post and engagement events go through Kafka to the notification service, so each check polls
the public routes), the unread count and markRead, the grouped view, an undone like taken away, bad input (400),
and the live stream over native gRPC on the gateway's port with the same JWT."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import grpc
import httpx
import pytest

from services.common.polling import wait_for_sync
from tests.e2e.conftest import Gateway, User

pytestmark = pytest.mark.e2e

Notification = dict[str, Any]
# Far above the service's one-second target for the event-to-visible delay: a failure here is a lost notification.
DELIVERY_WITHIN = 15.0


def _ok(reply: httpx.Response) -> Any:
    assert reply.status_code == 200, reply.text
    return reply.json()


def _error(reply: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert body["code"] == code and body["message"] and isinstance(body["details"], list), body
    return body


def _post(client: httpx.Client, author: User, text: str, visibility: str = "PUBLIC") -> str:
    return str(_ok(client.post("/v1/posts", json={"text": text, "visibility": visibility}, headers=author.auth))["id"])


def _listed(client: httpx.Client, user: User, **params: str | int) -> list[Notification]:
    return list(_ok(client.get("/v1/notifications", params=params, headers=user.auth)).get("notifications", []))


def _shape(n: Notification) -> tuple[str, str, str]:
    return n["kind"], n["actor"]["id"], n.get("postId", "0")


def _until_listed(
    client: httpx.Client, user: User, condition: Callable[[list[Notification]], bool], what: str
) -> list[Notification]:
    return wait_for_sync(
        lambda: _listed(client, user, limit=100), condition, what=what, within=DELIVERY_WITHIN, interval=0.1
    )


def _has(*wanted: tuple[str, int, str]) -> Callable[[list[Notification]], bool]:
    """The list holds a notification of each (kind, actor id, post id) given ("0": no post)."""
    expected = {(kind, str(actor), post) for kind, actor, post in wanted}
    return lambda listed: expected <= {_shape(n) for n in listed}


def _unread(client: httpx.Client, user: User) -> int:
    return int(_ok(client.get("/v1/notifications:unreadCount", headers=user.auth))["unreadCount"])


def test_a_follow_and_a_follow_request_notify_the_followee_and_approval_turns_one_into_the_other(
    client: httpx.Client, new_user: Callable[..., User]
) -> None:
    alice, bob, owner, carol = new_user(), new_user(), new_user(private=True), new_user()
    _ok(client.post(f"/v1/users/{alice.id}/follow", headers=bob.auth))
    listed = _until_listed(client, alice, _has(("FOLLOW", bob.id, "0")), "bob's FOLLOW at alice")
    assert len(listed) == 1
    n = listed[0]
    assert set(n) >= {"id", "kind", "actor", "createTime", "read"} and n["read"] is False
    assert n["actor"]["handle"] == bob.handle and isinstance(n["id"], str)

    assert _ok(client.post(f"/v1/users/{owner.id}/follow", headers=carol.auth)) == {"state": "REQUESTED"}
    _until_listed(client, owner, _has(("FOLLOW_REQUEST", carol.id, "0")), "carol's FOLLOW_REQUEST at the owner")
    _ok(client.post(f"/v1/follow-requests/{carol.id}/approve", headers=owner.auth))
    settled = _until_listed(
        client,
        owner,
        lambda listed: [_shape(n) for n in listed] == [("FOLLOW", str(carol.id), "0")],
        "the FOLLOW_REQUEST turned into a FOLLOW",
    )
    assert _unread(client, owner) == len(settled) == 1
    assert _listed(client, carol) == []  # nobody is notified of their own action


def test_likes_comments_and_mentions_reach_the_author_and_the_mentioned(
    client: httpx.Client, new_user: Callable[..., User]
) -> None:
    alice, bob, dave, erin, stranger = new_user(), new_user(), new_user(), new_user(), new_user()
    _ok(client.post(f"/v1/users/{alice.id}/follow", headers=dave.auth))
    # A followers-only post: dave (a follower) may see it and is notified; the stranger may not and is not.
    hidden = _post(client, alice, f"for followers, @{dave.handle} and @{stranger.handle}", "FOLLOWERS")
    _until_listed(client, dave, _has(("MENTION", alice.id, hidden)), "dave's MENTION in alice's post")
    assert _listed(client, stranger) == []  # the same event was applied: no MENTION for who may not see the post

    post = _post(client, alice, "a public one")
    _ok(client.post(f"/v1/posts/{post}/like", headers=bob.auth))
    comment = _ok(client.post(f"/v1/posts/{post}/comments", json={"text": f"agreed @{erin.handle}"}, headers=bob.auth))
    _until_listed(
        client,
        alice,
        _has(("LIKE", bob.id, post), ("COMMENT", bob.id, post), ("FOLLOW", dave.id, "0")),
        "bob's LIKE and COMMENT at alice",
    )
    (mention,) = _until_listed(client, erin, _has(("MENTION", bob.id, post)), "erin's MENTION in bob's comment")
    assert mention["commentId"] == comment["id"]
    assert _listed(client, bob) == []


def test_a_close_friends_post_notifies_the_close_friends_only(
    client: httpx.Client, new_user: Callable[..., User]
) -> None:
    alice, friend, follower = new_user(), new_user(), new_user()
    for user in (friend, follower):
        _ok(client.post(f"/v1/users/{alice.id}/follow", headers=user.auth))
    assert _ok(client.put(f"/v1/close-friends/{friend.id}", headers=alice.auth)) == {}
    post = _post(client, alice, "just for you", "CLOSE_FRIENDS")
    _until_listed(client, friend, _has(("CLOSE_FRIEND_POST", alice.id, post)), "the friend's CLOSE_FRIEND_POST")
    assert _listed(client, follower) == []


def test_unread_count_paging_and_mark_read(client: httpx.Client, new_user: Callable[..., User]) -> None:
    alice = new_user()
    followers = [new_user() for _ in range(3)]
    assert _unread(client, alice) == 0
    for follower in followers:
        _ok(client.post(f"/v1/users/{alice.id}/follow", headers=follower.auth))
    _until_listed(client, alice, lambda listed: len(listed) == 3, "three FOLLOWs at alice")
    assert _unread(client, alice) == 3

    pages, cursor = [], ""
    while True:
        page = _ok(client.get("/v1/notifications", params={"limit": 2, "cursor": cursor}, headers=alice.auth))
        pages.append(page["notifications"])
        cursor = page.get("nextCursor", "")
        if not cursor:
            break
    newest, middle, oldest = [n for page in pages for n in page]
    assert [len(page) for page in pages] == [2, 1]
    assert int(newest["id"]) > int(middle["id"]) > int(oldest["id"])  # newest first
    assert [n["actor"]["id"] for n in (newest, middle, oldest)] == [str(f.id) for f in reversed(followers)]

    assert _ok(client.post("/v1/notifications:markRead", json={"upToId": middle["id"]}, headers=alice.auth)) == {}
    assert _unread(client, alice) == 1
    assert [n["read"] for n in _listed(client, alice)] == [False, True, True]
    _ok(client.post("/v1/notifications:markRead", json={"upToId": oldest["id"]}, headers=alice.auth))
    assert _unread(client, alice) == 1  # the marker never moves back
    _ok(client.post("/v1/notifications:markRead", json={"up_to_id": newest["id"]}, headers=alice.auth))
    assert _unread(client, alice) == 0
    assert all(n["read"] for n in _listed(client, alice))


def test_the_grouped_view_names_the_latest_actors_and_counts_the_rest(
    client: httpx.Client, new_user: Callable[..., User]
) -> None:
    alice = new_user()
    fans = [new_user() for _ in range(5)]
    post = _post(client, alice, "a viral one")
    for fan in fans[:2]:
        _ok(client.post(f"/v1/users/{alice.id}/follow", headers=fan.auth))
    for fan in fans:  # one after the other: the latest actors are the last three likers
        _ok(client.post(f"/v1/posts/{post}/like", headers=fan.auth))
    _until_listed(client, alice, lambda listed: len(listed) == 7, "five LIKEs and two FOLLOWs at alice")

    grouped = _ok(client.get("/v1/notifications", params={"grouped": "true"}, headers=alice.auth))
    assert grouped.get("notifications", []) == [] and not grouped.get("nextCursor")
    likes, follows = grouped["groups"]
    assert set(likes) >= {"kind", "postId", "actors", "actorCount", "latestTime", "read"}
    assert (likes["kind"], likes["postId"], likes["actorCount"], likes["read"]) == ("LIKE", post, "5", False)
    assert [u["id"] for u in likes["actors"]] == [str(f.id) for f in (fans[4], fans[3], fans[2])]
    first, second = (u["handle"] for u in likes["actors"][:2])
    others = int(likes["actorCount"]) - 2
    assert f"{first}, {second} and {others} others" == f"{fans[4].handle}, {fans[3].handle} and 3 others"
    assert (follows["kind"], follows.get("postId", "0"), follows["actorCount"]) == ("FOLLOW", "0", "2")
    assert [u["id"] for u in follows["actors"]] == [str(fans[1].id), str(fans[0].id)]

    page = _ok(client.get("/v1/notifications", params={"grouped": "true", "limit": 1}, headers=alice.auth))
    assert [g["kind"] for g in page["groups"]] == ["LIKE"] and page["nextCursor"]
    after = {"grouped": "true", "limit": 1, "cursor": page["nextCursor"]}
    rest = _ok(client.get("/v1/notifications", params=after, headers=alice.auth))
    assert [g["kind"] for g in rest["groups"]] == ["FOLLOW"]
    _ok(client.post("/v1/notifications:markRead", json={"upToId": likes["latestId"]}, headers=alice.auth))
    regrouped = _ok(client.get("/v1/notifications", params={"grouped": "true"}, headers=alice.auth))["groups"]
    assert [g["read"] for g in regrouped] == [True, True]


def test_an_undone_like_takes_its_notification_away(client: httpx.Client, new_user: Callable[..., User]) -> None:
    alice, bob = new_user(), new_user()
    post = _post(client, alice, "like and regret")
    _ok(client.post(f"/v1/posts/{post}/like", headers=bob.auth))
    _until_listed(client, alice, _has(("LIKE", bob.id, post)), "bob's LIKE at alice")
    assert _unread(client, alice) == 1
    _ok(client.delete(f"/v1/posts/{post}/like", headers=bob.auth))
    _until_listed(client, alice, lambda listed: listed == [], "the undone LIKE gone from alice's list")
    assert _unread(client, alice) == 0
    grouped = _ok(client.get("/v1/notifications", params={"grouped": "true"}, headers=alice.auth))
    assert grouped.get("groups", []) == []


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "not a cursor!"},
        {"cursor": "bm90IGpzb24"},  # base64 of "not json"
        {"limit": "-1"},
        {"limit": "many"},
    ],
)
def test_bad_cursors_and_limits_are_json_400(
    params: dict[str, str], client: httpx.Client, new_user: Callable[..., User]
) -> None:
    user = new_user()
    _error(client.get("/v1/notifications", params=params, headers=user.auth), 400, 3)
    _error(client.get("/v1/notifications", params={**params, "grouped": "true"}, headers=user.auth), 400, 3)


def test_a_cursor_of_the_other_view_and_a_missing_id_are_json_400(
    client: httpx.Client, new_user: Callable[..., User]
) -> None:
    alice = new_user()
    for _ in range(2):
        follower = new_user()
        _ok(client.post(f"/v1/users/{alice.id}/follow", headers=follower.auth))
    _until_listed(client, alice, lambda listed: len(listed) == 2, "two FOLLOWs at alice")
    cursor = _ok(client.get("/v1/notifications", params={"limit": 1}, headers=alice.auth))["nextCursor"]
    _error(client.get("/v1/notifications", params={"grouped": "true", "cursor": cursor}, headers=alice.auth), 400, 3)
    _error(client.post("/v1/notifications:markRead", json={}, headers=alice.auth), 400, 3)
    _error(client.post("/v1/notifications:markRead", json={"upToId": "-3"}, headers=alice.auth), 400, 3)
    _error(client.get("/v1/notifications"), 401, 16)


async def test_the_live_stream_over_grpc_through_the_gateway(gateway: Gateway, new_user: Callable[..., User]) -> None:
    from feedmesh.notification.v1 import notification_service_pb2 as pb
    from feedmesh.notification.v1 import notification_service_pb2_grpc as pb_grpc

    alice, bob = new_user(), new_user()
    async with (
        grpc.aio.insecure_channel(f"127.0.0.1:{gateway.port}") as channel,
        httpx.AsyncClient(base_url=gateway.url, timeout=15) as client,
    ):
        stub = pb_grpc.NotificationServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            async for _ in stub.StreamNotifications(pb.StreamNotificationsRequest(), timeout=5):
                pass
        assert failure.value.code() == grpc.StatusCode.UNAUTHENTICATED

        call = stub.StreamNotifications(
            pb.StreamNotificationsRequest(), metadata=(("authorization", f"Bearer {alice.token}"),)
        )
        try:
            async with asyncio.timeout(DELIVERY_WITHIN):
                first = await call.read()  # sent at once: the client knows it is connected
                assert isinstance(first, pb.StreamNotificationsResponse)
                assert not first.HasField("notification") and first.unread_count == 0
                followed = await client.post(f"/v1/users/{alice.id}/follow", headers=bob.auth)
                assert followed.status_code == 200, followed.text
                message = await call.read()
                while isinstance(message, pb.StreamNotificationsResponse) and not message.HasField("notification"):
                    message = await call.read()  # heartbeats
            assert isinstance(message, pb.StreamNotificationsResponse), message
            pushed = message.notification
            assert (pushed.kind, pushed.actor.id, pushed.actor.handle) == (pb.FOLLOW, bob.id, bob.handle)
            assert message.unread_count == 1
            listed = await client.get("/v1/notifications", headers=alice.auth)
            assert [n["id"] for n in listed.json()["notifications"]] == [str(pushed.id)]  # the list is the record
        finally:
            call.cancel()
