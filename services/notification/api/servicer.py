"""feedmesh.notification.v1.NotificationService: proto in, use case, proto out. Nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from feedmesh.auth.v1 import user_pb2
from feedmesh.notification.v1 import notification_service_pb2 as pb
from feedmesh.notification.v1 import notification_service_pb2_grpc as pb_grpc
from google.protobuf import timestamp_pb2

from services.common import identity
from services.common.ids import id_time_ms
from services.notification.app.live import LiveStreams
from services.notification.app.ports import Actor
from services.notification.app.reads import Listed, ListedGroup, Reads
from services.notification.domain.model import Notification

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["NotificationService"].full_name


def _time(notification_id: int) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromMilliseconds(id_time_ms(notification_id))
    return stamp


def user_message(actor: Actor) -> user_pb2.User:
    created = timestamp_pb2.Timestamp()
    created.FromNanoseconds(actor.create_time_ns)
    return user_pb2.User(
        id=actor.id, handle=actor.handle, display_name=actor.display_name, private=actor.private, create_time=created
    )


def notification_message(n: Notification, actor: Actor | None, read: bool) -> pb.Notification:
    return pb.Notification(
        id=n.id,
        kind=n.kind.name,
        actor=user_message(actor) if actor else user_pb2.User(id=n.actor_id),
        post_id=n.post_id,
        comment_id=n.comment_id,
        create_time=_time(n.id),
        read=read,
    )


def group_message(listed: ListedGroup) -> pb.NotificationGroup:
    g = listed.group
    return pb.NotificationGroup(
        kind=g.key.kind.name,
        post_id=g.key.post_id,
        actors=[user_message(a) for a in listed.actors],
        actor_count=g.actor_count,
        latest_time=_time(g.latest_id),
        read=listed.read,
        latest_id=g.latest_id,
    )


def _listed_message(listed: Listed) -> pb.Notification:
    return notification_message(listed.notification, listed.actor, listed.read)


class NotificationServicer(pb_grpc.NotificationServiceServicer):
    def __init__(self, reads: Reads, live: LiveStreams):
        self.reads = reads
        self.live = live

    async def ListNotifications(
        self, request: pb.ListNotificationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListNotificationsResponse:
        caller = identity.caller_id(context)
        if request.grouped:
            groups, cursor = await self.reads.groups(caller, request.cursor, request.limit)
            return pb.ListNotificationsResponse(groups=[group_message(g) for g in groups], next_cursor=cursor)
        listed, cursor = await self.reads.page(caller, request.cursor, request.limit)
        return pb.ListNotificationsResponse(notifications=[_listed_message(n) for n in listed], next_cursor=cursor)

    async def GetUnreadCount(
        self, request: pb.GetUnreadCountRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetUnreadCountResponse:
        return pb.GetUnreadCountResponse(unread_count=await self.reads.unread_count(identity.caller_id(context)))

    async def MarkNotificationsRead(
        self, request: pb.MarkNotificationsReadRequest, context: grpc.aio.ServicerContext
    ) -> pb.MarkNotificationsReadResponse:
        await self.reads.mark_read(identity.caller_id(context), request.up_to_id)
        return pb.MarkNotificationsReadResponse()

    async def StreamNotifications(
        self, request: pb.StreamNotificationsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamNotificationsResponse]:
        caller = identity.caller_id(context)
        async for message in self.live.stream(caller):
            if message.notification is None:
                yield pb.StreamNotificationsResponse(unread_count=message.unread_count)
            else:
                yield pb.StreamNotificationsResponse(
                    notification=notification_message(message.notification, message.actor, False),
                    unread_count=message.unread_count,
                )
