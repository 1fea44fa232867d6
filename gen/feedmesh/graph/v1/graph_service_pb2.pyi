from feedmesh.auth.v1 import user_pb2 as _user_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FollowState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FOLLOW_STATE_UNSPECIFIED: _ClassVar[FollowState]
    FOLLOWING: _ClassVar[FollowState]
    REQUESTED: _ClassVar[FollowState]
FOLLOW_STATE_UNSPECIFIED: FollowState
FOLLOWING: FollowState
REQUESTED: FollowState

class GetUserRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    def __init__(self, user_id: _Optional[int] = ...) -> None: ...

class GetCurrentUserRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FollowUserRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    def __init__(self, user_id: _Optional[int] = ...) -> None: ...

class FollowUserResponse(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: FollowState
    def __init__(self, state: _Optional[_Union[FollowState, str]] = ...) -> None: ...

class UnfollowUserRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    def __init__(self, user_id: _Optional[int] = ...) -> None: ...

class UnfollowUserResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListFollowRequestsRequest(_message.Message):
    __slots__ = ("cursor", "limit")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    limit: int
    def __init__(self, cursor: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListFollowRequestsResponse(_message.Message):
    __slots__ = ("requests", "next_cursor")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[_user_pb2.User]
    next_cursor: str
    def __init__(self, requests: _Optional[_Iterable[_Union[_user_pb2.User, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class ApproveFollowRequestRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    def __init__(self, user_id: _Optional[int] = ...) -> None: ...

class ApproveFollowRequestResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RejectFollowRequestRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    def __init__(self, user_id: _Optional[int] = ...) -> None: ...

class RejectFollowRequestResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class BlockUserRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    def __init__(self, user_id: _Optional[int] = ...) -> None: ...

class BlockUserResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UnblockUserRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    def __init__(self, user_id: _Optional[int] = ...) -> None: ...

class UnblockUserResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AddCloseFriendRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    def __init__(self, user_id: _Optional[int] = ...) -> None: ...

class AddCloseFriendResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RemoveCloseFriendRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    def __init__(self, user_id: _Optional[int] = ...) -> None: ...

class RemoveCloseFriendResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListFollowersRequest(_message.Message):
    __slots__ = ("user_id", "cursor", "limit")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    cursor: str
    limit: int
    def __init__(self, user_id: _Optional[int] = ..., cursor: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListFollowersResponse(_message.Message):
    __slots__ = ("users", "next_cursor")
    USERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[_user_pb2.User]
    next_cursor: str
    def __init__(self, users: _Optional[_Iterable[_Union[_user_pb2.User, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class ListFollowingRequest(_message.Message):
    __slots__ = ("user_id", "cursor", "limit")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    cursor: str
    limit: int
    def __init__(self, user_id: _Optional[int] = ..., cursor: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListFollowingResponse(_message.Message):
    __slots__ = ("users", "next_cursor")
    USERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[_user_pb2.User]
    next_cursor: str
    def __init__(self, users: _Optional[_Iterable[_Union[_user_pb2.User, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class GetRelationshipRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    def __init__(self, user_id: _Optional[int] = ...) -> None: ...

class GetRelationshipResponse(_message.Message):
    __slots__ = ("user_id", "following", "requested", "followed_by", "blocking", "close_friend", "private")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    FOLLOWING_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_FIELD_NUMBER: _ClassVar[int]
    FOLLOWED_BY_FIELD_NUMBER: _ClassVar[int]
    BLOCKING_FIELD_NUMBER: _ClassVar[int]
    CLOSE_FRIEND_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    following: bool
    requested: bool
    followed_by: bool
    blocking: bool
    close_friend: bool
    private: bool
    def __init__(self, user_id: _Optional[int] = ..., following: _Optional[bool] = ..., requested: _Optional[bool] = ..., followed_by: _Optional[bool] = ..., blocking: _Optional[bool] = ..., close_friend: _Optional[bool] = ..., private: _Optional[bool] = ...) -> None: ...

class SearchUsersRequest(_message.Message):
    __slots__ = ("query", "cursor", "limit")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    query: str
    cursor: str
    limit: int
    def __init__(self, query: _Optional[str] = ..., cursor: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class SearchUsersResponse(_message.Message):
    __slots__ = ("users", "next_cursor")
    USERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[_user_pb2.User]
    next_cursor: str
    def __init__(self, users: _Optional[_Iterable[_Union[_user_pb2.User, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...
