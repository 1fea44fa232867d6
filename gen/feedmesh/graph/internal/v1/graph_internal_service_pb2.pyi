from feedmesh.post.v1 import visibility_pb2 as _visibility_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListFollowerIdsRequest(_message.Message):
    __slots__ = ("author_id", "cursor", "limit")
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    author_id: int
    cursor: str
    limit: int
    def __init__(self, author_id: _Optional[int] = ..., cursor: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListFollowerIdsResponse(_message.Message):
    __slots__ = ("follower_ids", "next_cursor", "follower_count", "relationship_version", "author_is_celebrity")
    FOLLOWER_IDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    FOLLOWER_COUNT_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_VERSION_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_IS_CELEBRITY_FIELD_NUMBER: _ClassVar[int]
    follower_ids: _containers.RepeatedScalarFieldContainer[int]
    next_cursor: str
    follower_count: int
    relationship_version: str
    author_is_celebrity: bool
    def __init__(self, follower_ids: _Optional[_Iterable[int]] = ..., next_cursor: _Optional[str] = ..., follower_count: _Optional[int] = ..., relationship_version: _Optional[str] = ..., author_is_celebrity: _Optional[bool] = ...) -> None: ...

class ListFolloweeIdsRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    def __init__(self, user_id: _Optional[int] = ...) -> None: ...

class ListFolloweeIdsResponse(_message.Message):
    __slots__ = ("pushed_ids", "celebrity_ids", "celebrity_threshold", "close_friend_of_ids", "relationship_version")
    PUSHED_IDS_FIELD_NUMBER: _ClassVar[int]
    CELEBRITY_IDS_FIELD_NUMBER: _ClassVar[int]
    CELEBRITY_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    CLOSE_FRIEND_OF_IDS_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_VERSION_FIELD_NUMBER: _ClassVar[int]
    pushed_ids: _containers.RepeatedScalarFieldContainer[int]
    celebrity_ids: _containers.RepeatedScalarFieldContainer[int]
    celebrity_threshold: int
    close_friend_of_ids: _containers.RepeatedScalarFieldContainer[int]
    relationship_version: str
    def __init__(self, pushed_ids: _Optional[_Iterable[int]] = ..., celebrity_ids: _Optional[_Iterable[int]] = ..., celebrity_threshold: _Optional[int] = ..., close_friend_of_ids: _Optional[_Iterable[int]] = ..., relationship_version: _Optional[str] = ...) -> None: ...

class VisibilityCandidate(_message.Message):
    __slots__ = ("post_id", "author_id", "visibility")
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    post_id: int
    author_id: int
    visibility: _visibility_pb2.Visibility
    def __init__(self, post_id: _Optional[int] = ..., author_id: _Optional[int] = ..., visibility: _Optional[_Union[_visibility_pb2.Visibility, str]] = ...) -> None: ...

class BatchCheckVisibilityRequest(_message.Message):
    __slots__ = ("viewer_id", "candidates")
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    viewer_id: int
    candidates: _containers.RepeatedCompositeFieldContainer[VisibilityCandidate]
    def __init__(self, viewer_id: _Optional[int] = ..., candidates: _Optional[_Iterable[_Union[VisibilityCandidate, _Mapping]]] = ...) -> None: ...

class BatchCheckVisibilityResponse(_message.Message):
    __slots__ = ("visible",)
    VISIBLE_FIELD_NUMBER: _ClassVar[int]
    visible: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, visible: _Optional[_Iterable[bool]] = ...) -> None: ...

class BatchCheckAudienceRequest(_message.Message):
    __slots__ = ("post", "viewer_ids")
    POST_FIELD_NUMBER: _ClassVar[int]
    VIEWER_IDS_FIELD_NUMBER: _ClassVar[int]
    post: VisibilityCandidate
    viewer_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, post: _Optional[_Union[VisibilityCandidate, _Mapping]] = ..., viewer_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class BatchCheckAudienceResponse(_message.Message):
    __slots__ = ("visible",)
    VISIBLE_FIELD_NUMBER: _ClassVar[int]
    visible: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, visible: _Optional[_Iterable[bool]] = ...) -> None: ...

class ListCloseFriendIdsRequest(_message.Message):
    __slots__ = ("owner_id",)
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    owner_id: int
    def __init__(self, owner_id: _Optional[int] = ...) -> None: ...

class ListCloseFriendIdsResponse(_message.Message):
    __slots__ = ("friend_ids",)
    FRIEND_IDS_FIELD_NUMBER: _ClassVar[int]
    friend_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, friend_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class BatchGetUserCountsRequest(_message.Message):
    __slots__ = ("user_ids",)
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, user_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class UserCounts(_message.Message):
    __slots__ = ("user_id", "follower_count", "following_count")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    FOLLOWER_COUNT_FIELD_NUMBER: _ClassVar[int]
    FOLLOWING_COUNT_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    follower_count: int
    following_count: int
    def __init__(self, user_id: _Optional[int] = ..., follower_count: _Optional[int] = ..., following_count: _Optional[int] = ...) -> None: ...

class BatchGetUserCountsResponse(_message.Message):
    __slots__ = ("counts",)
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    counts: _containers.RepeatedCompositeFieldContainer[UserCounts]
    def __init__(self, counts: _Optional[_Iterable[_Union[UserCounts, _Mapping]]] = ...) -> None: ...
