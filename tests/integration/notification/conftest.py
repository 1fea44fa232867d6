"""The notification service with every peer it needs (auth, graph, post, engagement), started in-process on port
0 against the real stack, with a consumer group of its own that starts at the topics' ends.

Settle rule (`Mesh.settle`): (1) the graph, post and engagement outboxes have no unsent rows, then (2) the
notification group has committed every message of the three topics. Offsets are committed only after the
handler's writes, so after (1)-(2) every event emitted before (1) is applied: lists are then compared exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from feedmesh.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from feedmesh.engagement.v1 import engagement_service_pb2 as e
from feedmesh.engagement.v1 import engagement_service_pb2_grpc
from feedmesh.graph.v1 import graph_service_pb2 as g
from feedmesh.graph.v1 import graph_service_pb2_grpc
from feedmesh.notification.v1 import notification_service_pb2 as pb
from feedmesh.notification.v1 import notification_service_pb2_grpc as pb_grpc
from feedmesh.post.v1 import post_service_pb2, post_service_pb2_grpc, visibility_pb2

from services.common.polling import wait_for
from services.common.redis_mux import RedisMux
from services.common.server import GrpcServer
from services.notification.adapters.cassandra_store import CassandraNotificationStore
from services.notification.settings import NotificationSettings
from services.notification.wiring import build as build_notification
from stack import clients
from stack.schema import cassandra as cassandra_schema
from stack.settings import StackSettings
from tests.integration.harness import apply_migrations, start_auth_and_graph, start_service
from tests.integration.kafka_reading import group_lag, rewind_group

PRODUCERS = ["graph", "post", "engagement"]


def as_user(user_id: int) -> tuple[tuple[str, str], ...]:
    return (("x-feedmesh-user-id", str(user_id)),)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class User:
    id: int
    handle: str


@dataclass
class Mesh:
    auth: auth_service_pb2_grpc.AuthServiceStub
    graph: graph_service_pb2_grpc.GraphServiceStub
    post: post_service_pb2_grpc.PostServiceStub
    engagement: engagement_service_pb2_grpc.EngagementServiceStub
    notifications: pb_grpc.NotificationServiceStub
    stack: StackSettings
    settings: dict[str, Any]
    peers: dict[str, str]
    cleanup: contextlib.AsyncExitStack
    notification_server: GrpcServer | None = None

    async def new_user(self, *, private: bool = False) -> User:
        handle = f"n_{uuid.uuid4().hex[:12]}"
        r = await self.auth.CreateUser(
            auth_service_pb2.CreateUserRequest(handle=handle, password="correct horse battery", private=private)
        )
        return User(int(r.id), handle)

    async def follow(self, follower: User, followee: User) -> None:
        await self.graph.FollowUser(g.FollowUserRequest(user_id=followee.id), metadata=as_user(follower.id))

    async def unfollow(self, follower: User, followee: User) -> None:
        await self.graph.UnfollowUser(g.UnfollowUserRequest(user_id=followee.id), metadata=as_user(follower.id))

    async def approve(self, owner: User, requester: User) -> None:
        request = g.ApproveFollowRequestRequest(user_id=requester.id)
        await self.graph.ApproveFollowRequest(request, metadata=as_user(owner.id))

    async def reject(self, owner: User, requester: User) -> None:
        request = g.RejectFollowRequestRequest(user_id=requester.id)
        await self.graph.RejectFollowRequest(request, metadata=as_user(owner.id))

    async def block(self, blocker: User, blocked: User) -> None:
        await self.graph.BlockUser(g.BlockUserRequest(user_id=blocked.id), metadata=as_user(blocker.id))

    async def add_close_friend(self, owner: User, friend: User) -> None:
        await self.graph.AddCloseFriend(g.AddCloseFriendRequest(user_id=friend.id), metadata=as_user(owner.id))

    async def new_post(self, author: User, text: str, visibility: int = visibility_pb2.PUBLIC) -> int:
        request = post_service_pb2.CreatePostRequest(text=text, visibility=visibility)  # type: ignore[arg-type]
        return int((await self.post.CreatePost(request, metadata=as_user(author.id))).id)

    async def delete_post(self, author: User, post_id: int) -> None:
        await self.post.DeletePost(post_service_pb2.DeletePostRequest(post_id=post_id), metadata=as_user(author.id))

    async def like(self, user: User, post_id: int) -> None:
        await self.engagement.LikePost(e.LikePostRequest(post_id=post_id), metadata=as_user(user.id))

    async def unlike(self, user: User, post_id: int) -> None:
        await self.engagement.UnlikePost(e.UnlikePostRequest(post_id=post_id), metadata=as_user(user.id))

    async def comment(self, user: User, post_id: int, text: str) -> int:
        request = e.CreateCommentRequest(post_id=post_id, text=text)
        return int((await self.engagement.CreateComment(request, metadata=as_user(user.id))).id)

    async def delete_comment(self, user: User, post_id: int, comment_id: int) -> None:
        request = e.DeleteCommentRequest(post_id=post_id, comment_id=comment_id)
        await self.engagement.DeleteComment(request, metadata=as_user(user.id))

    async def listing(self, user: User, *, limit: int = 3) -> list[pb.Notification]:
        """Every notification of the user, paging with `limit`; asserts full pages until the last."""
        found: list[pb.Notification] = []
        cursor = ""
        for _ in range(1000):
            page = await self.notifications.ListNotifications(
                pb.ListNotificationsRequest(cursor=cursor, limit=limit), metadata=as_user(user.id)
            )
            found.extend(page.notifications)
            if not page.next_cursor:
                return found
            assert len(page.notifications) == limit, "a short page before the end"
            cursor = page.next_cursor
        raise AssertionError("the list never ended")

    async def groups(self, user: User, *, limit: int = 1) -> list[pb.NotificationGroup]:
        found: list[pb.NotificationGroup] = []
        cursor = ""
        for _ in range(1000):
            page = await self.notifications.ListNotifications(
                pb.ListNotificationsRequest(cursor=cursor, limit=limit, grouped=True), metadata=as_user(user.id)
            )
            found.extend(page.groups)
            if not page.next_cursor:
                return found
            cursor = page.next_cursor
        raise AssertionError("the grouped list never ended")

    async def unread(self, user: User) -> int:
        r = await self.notifications.GetUnreadCount(pb.GetUnreadCountRequest(), metadata=as_user(user.id))
        return int(r.unread_count)

    def topics(self) -> list[str]:
        return [self.settings[t] for t in ("graph_topic", "posts_topic", "engagement_topic")]

    async def stop_notification(self) -> None:
        """Stops the notification service (its consumer commits what it applied): events wait in Kafka."""
        if self.notification_server is not None:
            await self.notification_server.stop(grace=0)
            self.notification_server = None

    async def restart_notification(self, rewind_to: dict[Any, int]) -> None:
        """Stops the notification service, rewinds its group to `rewind_to` and starts it again: every event
        since is delivered a second time."""
        await self.stop_notification()
        await asyncio.to_thread(rewind_group, self.stack, self.settings["consumer_group"], rewind_to)
        await self.start_notification()

    async def start_notification(self) -> None:
        """A notification service of the mesh's consumer group, stopped with the mesh."""
        self.notification_server, address = await start_service(
            build_notification, NotificationSettings, self.stack, **self.peers, **self.settings
        )
        self.notifications = pb_grpc.NotificationServiceStub(await stub_channel(self.cleanup, address))

    async def published(self) -> None:
        """Waits until every event emitted so far is in Kafka."""
        await wait_for(self._outbox_backlog, lambda n: n == 0, what="empty graph/post/engagement outboxes", within=30)

    async def settle(self, within: float = 60.0) -> None:
        """Waits until every event emitted so far is applied (see the module doc)."""
        await self.published()
        group = self.settings["consumer_group"]
        topics = self.topics()

        async def lag() -> int:
            return sum([await asyncio.to_thread(group_lag, self.stack, group, topic) for topic in topics])

        await wait_for(lag, lambda n: n == 0, what=f"group {group} caught up", within=within, interval=0.2)

    async def _outbox_backlog(self) -> int:
        conn = await clients.pg_connect(self.stack)
        try:
            query = "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND producer = ANY($1::text[])"
            return int(await conn.fetchval(query, PRODUCERS))
        finally:
            await conn.close()


def notification_settings(group: str) -> dict[str, Any]:
    return {
        "consumer_group": group,
        "consumer_offset_reset": "latest",
        "consumer_ready_seconds": 30,
        "stream_heartbeat_seconds": 1,
        "graph_topic": "feedmesh.graph",
        "posts_topic": "feedmesh.posts",
        "engagement_topic": "feedmesh.engagement",
    }


async def stub_channel(cleanup: contextlib.AsyncExitStack, address: str) -> grpc.aio.Channel:
    channel = grpc.aio.insecure_channel(address)
    cleanup.push_async_callback(channel.close)
    return channel


@pytest.fixture(scope="package")
async def mesh(stack_settings: StackSettings) -> AsyncIterator[Mesh]:
    from services.engagement.settings import EngagementSettings
    from services.engagement.wiring import build as build_engagement
    from services.post.settings import PostSettings
    from services.post.wiring import build as build_post

    await apply_migrations(stack_settings, below=60)
    await asyncio.to_thread(cassandra_schema.apply, stack_settings)
    async with contextlib.AsyncExitStack() as cleanup:

        async def stopped_later(started: tuple[GrpcServer, str]) -> str:
            cleanup.push_async_callback(started[0].stop, 0)
            return started[1]

        core, auth_address, graph_address = await start_auth_and_graph(stack_settings)
        for server in core:
            cleanup.push_async_callback(server.stop, 0)
        engagement_address = f"127.0.0.1:{free_port()}"  # the post service calls it: known before it starts
        peers = {"auth_target": auth_address, "graph_target": graph_address}
        post_address = await stopped_later(
            await start_service(
                build_post,
                PostSettings,
                stack_settings,
                **peers,
                engagement_target=engagement_address,
                media_target="127.0.0.1:1",
            )
        )
        peers["post_target"] = post_address
        await stopped_later(
            await start_service(
                build_engagement,
                EngagementSettings,
                stack_settings,
                post_target=post_address,
                graph_target=peers["graph_target"],
                listen_address=engagement_address,
            )
        )
        mesh = Mesh(
            auth=auth_service_pb2_grpc.AuthServiceStub(await stub_channel(cleanup, auth_address)),
            graph=graph_service_pb2_grpc.GraphServiceStub(await stub_channel(cleanup, graph_address)),
            post=post_service_pb2_grpc.PostServiceStub(await stub_channel(cleanup, post_address)),
            engagement=engagement_service_pb2_grpc.EngagementServiceStub(
                await stub_channel(cleanup, engagement_address)
            ),
            notifications=pb_grpc.NotificationServiceStub(await stub_channel(cleanup, "127.0.0.1:1")),
            stack=stack_settings,
            settings=notification_settings(f"notification-test-{uuid.uuid4().hex[:10]}"),
            peers=peers,
            cleanup=cleanup,
        )

        async def stop_notification() -> None:
            if mesh.notification_server is not None:
                await mesh.notification_server.stop(grace=0)

        cleanup.push_async_callback(stop_notification)
        await mesh.start_notification()
        yield mesh


@pytest.fixture
async def mux(stack_settings: StackSettings) -> AsyncIterator[RedisMux]:
    """A multiplexed client of the stack's Redis, as the notification service uses it."""
    client = RedisMux(stack_settings.redis_url)
    yield client
    await client.close()


@pytest.fixture
async def store(stack_settings: StackSettings) -> AsyncIterator[CassandraNotificationStore]:
    """The notification store on the stack's Cassandra, rows kept an hour."""
    opened, cluster = await CassandraNotificationStore.open(
        stack_settings.cassandra_hosts, stack_settings.cassandra_port, "feedmesh", ttl_seconds=3600
    )
    yield opened
    await asyncio.to_thread(cluster.shutdown)
