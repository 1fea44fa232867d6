import datetime

from feedmesh.post.v1 import visibility_pb2 as _visibility_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Post(_message.Message):
    __slots__ = ("id", "author_id", "text", "media_refs", "visibility", "create_time", "like_count", "comment_count", "share_count", "mention_ids", "liked_by_me")
    ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_REFS_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LIKE_COUNT_FIELD_NUMBER: _ClassVar[int]
    COMMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    SHARE_COUNT_FIELD_NUMBER: _ClassVar[int]
    MENTION_IDS_FIELD_NUMBER: _ClassVar[int]
    LIKED_BY_ME_FIELD_NUMBER: _ClassVar[int]
    id: int
    author_id: int
    text: str
    media_refs: _containers.RepeatedScalarFieldContainer[str]
    visibility: _visibility_pb2.Visibility
    create_time: _timestamp_pb2.Timestamp
    like_count: int
    comment_count: int
    share_count: int
    mention_ids: _containers.RepeatedScalarFieldContainer[int]
    liked_by_me: bool
    def __init__(self, id: _Optional[int] = ..., author_id: _Optional[int] = ..., text: _Optional[str] = ..., media_refs: _Optional[_Iterable[str]] = ..., visibility: _Optional[_Union[_visibility_pb2.Visibility, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., like_count: _Optional[int] = ..., comment_count: _Optional[int] = ..., share_count: _Optional[int] = ..., mention_ids: _Optional[_Iterable[int]] = ..., liked_by_me: _Optional[bool] = ...) -> None: ...
