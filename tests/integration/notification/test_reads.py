"""The unread count and markRead, the grouped view, the live stream, and bad requests."""

from __future__ import annotations

import grpc
import pytest
from feedmesh.notification.v1 import notification_service_pb2 as pb

from services.common.pagination import encode_cursor
from services.common.polling import wait_for
from tests.integration.notification.conftest import Mesh, as_user


async def test_unread_count_and_mark_read(mesh: Mesh) -> None:
    a = await mesh.new_user()
    followers = [await mesh.new_user() for _ in range(3)]
    for follower in followers:
        await mesh.follow(follower, a)
    await mesh.settle()
    newest, middle, oldest = await mesh.listing(a)
    assert await mesh.unread(a) == 3

    mark = mesh.notifications.MarkNotificationsRead
    await mark(pb.MarkNotificationsReadRequest(up_to_id=middle.id), metadata=as_user(a.id))
    assert await mesh.unread(a) == 1
    assert [n.read for n in await mesh.listing(a)] == [False, True, True]
    await mark(pb.MarkNotificationsReadRequest(up_to_id=oldest.id), metadata=as_user(a.id))  # never moves back
    assert await mesh.unread(a) == 1
    await mark(pb.MarkNotificationsReadRequest(up_to_id=newest.id), metadata=as_user(a.id))
    assert await mesh.unread(a) == 0

    # A new one after the marker is unread; one taken away is no longer counted.
    late = await mesh.new_user()
    await mesh.follow(late, a)
    await mesh.settle()
    assert await mesh.unread(a) == 1
    await mesh.unfollow(late, a)
    await mesh.settle()
    assert await mesh.unread(a) == 0
    assert [n.actor.id for n in await mesh.listing(a)] == [f.id for f in reversed(followers)]


async def test_grouped_view(mesh: Mesh) -> None:
    a = await mesh.new_user()
    fans = [await mesh.new_user() for _ in range(5)]
    post = await mesh.new_post(a, "a viral one")
    for fan in fans[:2]:
        await mesh.follow(fan, a)
    for fan in fans:
        await mesh.like(fan, post)
    await mesh.comment(fans[0], post, "first")
    await mesh.comment(fans[1], post, "second")
    await mesh.comment(fans[0], post, "third")
    await mesh.settle()

    groups = await mesh.groups(a, limit=1)
    assert [(g.kind, g.post_id, g.actor_count) for g in groups] == [
        (pb.COMMENT, post, 2),
        (pb.LIKE, post, 5),
        (pb.FOLLOW, 0, 2),
    ]
    assert [u.id for u in groups[0].actors] == [fans[0].id, fans[1].id]
    assert [u.id for u in groups[1].actors] == [fans[4].id, fans[3].id, fans[2].id]
    assert [g.read for g in groups] == [False, False, False]
    assert await mesh.groups(a, limit=100) == groups

    await mesh.notifications.MarkNotificationsRead(
        pb.MarkNotificationsReadRequest(up_to_id=groups[1].latest_id), metadata=as_user(a.id)
    )
    assert [g.read for g in await mesh.groups(a, limit=2)] == [False, True, True]


async def test_stream_delivers_to_a_connected_client(mesh: Mesh) -> None:
    a, b = await mesh.new_user(), await mesh.new_user()
    call = mesh.notifications.StreamNotifications(pb.StreamNotificationsRequest(), metadata=as_user(a.id))
    try:
        first = await call.read()
        assert isinstance(first, pb.StreamNotificationsResponse) and not first.HasField("notification")
        await mesh.follow(b, a)

        async def next_message() -> pb.StreamNotificationsResponse:
            message = await call.read()
            assert isinstance(message, pb.StreamNotificationsResponse)
            return message

        pushed = await wait_for(
            next_message, lambda m: m.HasField("notification"), what="a pushed notification", within=30, interval=0
        )
        assert (pushed.notification.kind, pushed.notification.actor.id) == (pb.FOLLOW, b.id)
        assert pushed.unread_count == 1
    finally:
        call.cancel()


@pytest.mark.parametrize(
    "request_",
    [
        pb.ListNotificationsRequest(cursor="not a cursor!"),
        pb.ListNotificationsRequest(limit=-1),
        pb.ListNotificationsRequest(cursor=encode_cursor({"before": "x"})),
        pb.ListNotificationsRequest(cursor=encode_cursor({"before": 5}), grouped=True),
        pb.ListNotificationsRequest(cursor=encode_cursor({"before": 5, "top": 9})),
    ],
)
async def test_bad_cursors_and_limits(mesh: Mesh, request_: pb.ListNotificationsRequest) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await mesh.notifications.ListNotifications(request_, metadata=as_user(1))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_mark_read_needs_an_id(mesh: Mesh) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await mesh.notifications.MarkNotificationsRead(pb.MarkNotificationsReadRequest(), metadata=as_user(1))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
