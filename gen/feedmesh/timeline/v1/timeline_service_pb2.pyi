from feedmesh.auth.v1 import user_pb2 as _user_pb2
from feedmesh.post.v1 import post_pb2 as _post_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetFeedRequest(_message.Message):
    __slots__ = ("cursor", "limit", "mode")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    limit: int
    mode: str
    def __init__(self, cursor: _Optional[str] = ..., limit: _Optional[int] = ..., mode: _Optional[str] = ...) -> None: ...

class GetFeedResponse(_message.Message):
    __slots__ = ("items", "next_cursor", "degraded", "model_version", "experiment")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    DEGRADED_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[FeedItem]
    next_cursor: str
    degraded: bool
    model_version: str
    experiment: str
    def __init__(self, items: _Optional[_Iterable[_Union[FeedItem, _Mapping]]] = ..., next_cursor: _Optional[str] = ..., degraded: _Optional[bool] = ..., model_version: _Optional[str] = ..., experiment: _Optional[str] = ...) -> None: ...

class FeedItem(_message.Message):
    __slots__ = ("post", "author", "liked_by_me")
    POST_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    LIKED_BY_ME_FIELD_NUMBER: _ClassVar[int]
    post: _post_pb2.Post
    author: _user_pb2.User
    liked_by_me: bool
    def __init__(self, post: _Optional[_Union[_post_pb2.Post, _Mapping]] = ..., author: _Optional[_Union[_user_pb2.User, _Mapping]] = ..., liked_by_me: _Optional[bool] = ...) -> None: ...
