import datetime

from feedmesh.auth.v1 import user_pb2 as _user_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NotificationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_KIND_UNSPECIFIED: _ClassVar[NotificationKind]
    FOLLOW: _ClassVar[NotificationKind]
    FOLLOW_REQUEST: _ClassVar[NotificationKind]
    LIKE: _ClassVar[NotificationKind]
    COMMENT: _ClassVar[NotificationKind]
    MENTION: _ClassVar[NotificationKind]
    CLOSE_FRIEND_POST: _ClassVar[NotificationKind]
NOTIFICATION_KIND_UNSPECIFIED: NotificationKind
FOLLOW: NotificationKind
FOLLOW_REQUEST: NotificationKind
LIKE: NotificationKind
COMMENT: NotificationKind
MENTION: NotificationKind
CLOSE_FRIEND_POST: NotificationKind

class Notification(_message.Message):
    __slots__ = ("id", "kind", "actor", "post_id", "create_time", "read", "comment_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    READ_FIELD_NUMBER: _ClassVar[int]
    COMMENT_ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    kind: NotificationKind
    actor: _user_pb2.User
    post_id: int
    create_time: _timestamp_pb2.Timestamp
    read: bool
    comment_id: int
    def __init__(self, id: _Optional[int] = ..., kind: _Optional[_Union[NotificationKind, str]] = ..., actor: _Optional[_Union[_user_pb2.User, _Mapping]] = ..., post_id: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., read: _Optional[bool] = ..., comment_id: _Optional[int] = ...) -> None: ...

class NotificationGroup(_message.Message):
    __slots__ = ("kind", "post_id", "actors", "actor_count", "latest_time", "read", "latest_id")
    KIND_FIELD_NUMBER: _ClassVar[int]
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTORS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_COUNT_FIELD_NUMBER: _ClassVar[int]
    LATEST_TIME_FIELD_NUMBER: _ClassVar[int]
    READ_FIELD_NUMBER: _ClassVar[int]
    LATEST_ID_FIELD_NUMBER: _ClassVar[int]
    kind: NotificationKind
    post_id: int
    actors: _containers.RepeatedCompositeFieldContainer[_user_pb2.User]
    actor_count: int
    latest_time: _timestamp_pb2.Timestamp
    read: bool
    latest_id: int
    def __init__(self, kind: _Optional[_Union[NotificationKind, str]] = ..., post_id: _Optional[int] = ..., actors: _Optional[_Iterable[_Union[_user_pb2.User, _Mapping]]] = ..., actor_count: _Optional[int] = ..., latest_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., read: _Optional[bool] = ..., latest_id: _Optional[int] = ...) -> None: ...

class ListNotificationsRequest(_message.Message):
    __slots__ = ("cursor", "limit", "grouped")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    GROUPED_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    limit: int
    grouped: bool
    def __init__(self, cursor: _Optional[str] = ..., limit: _Optional[int] = ..., grouped: _Optional[bool] = ...) -> None: ...

class ListNotificationsResponse(_message.Message):
    __slots__ = ("notifications", "next_cursor", "groups")
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[Notification]
    next_cursor: str
    groups: _containers.RepeatedCompositeFieldContainer[NotificationGroup]
    def __init__(self, notifications: _Optional[_Iterable[_Union[Notification, _Mapping]]] = ..., next_cursor: _Optional[str] = ..., groups: _Optional[_Iterable[_Union[NotificationGroup, _Mapping]]] = ...) -> None: ...

class GetUnreadCountRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetUnreadCountResponse(_message.Message):
    __slots__ = ("unread_count",)
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    unread_count: int
    def __init__(self, unread_count: _Optional[int] = ...) -> None: ...

class MarkNotificationsReadRequest(_message.Message):
    __slots__ = ("up_to_id",)
    UP_TO_ID_FIELD_NUMBER: _ClassVar[int]
    up_to_id: int
    def __init__(self, up_to_id: _Optional[int] = ...) -> None: ...

class MarkNotificationsReadResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StreamNotificationsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StreamNotificationsResponse(_message.Message):
    __slots__ = ("notification", "unread_count")
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    notification: Notification
    unread_count: int
    def __init__(self, notification: _Optional[_Union[Notification, _Mapping]] = ..., unread_count: _Optional[int] = ...) -> None: ...
