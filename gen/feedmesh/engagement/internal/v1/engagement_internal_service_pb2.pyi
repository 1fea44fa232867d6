from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BatchGetPostStatsRequest(_message.Message):
    __slots__ = ("viewer_id", "post_ids")
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    POST_IDS_FIELD_NUMBER: _ClassVar[int]
    viewer_id: int
    post_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, viewer_id: _Optional[int] = ..., post_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class PostStats(_message.Message):
    __slots__ = ("post_id", "like_count", "comment_count", "share_count", "liked_by_viewer")
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    LIKE_COUNT_FIELD_NUMBER: _ClassVar[int]
    COMMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    SHARE_COUNT_FIELD_NUMBER: _ClassVar[int]
    LIKED_BY_VIEWER_FIELD_NUMBER: _ClassVar[int]
    post_id: int
    like_count: int
    comment_count: int
    share_count: int
    liked_by_viewer: bool
    def __init__(self, post_id: _Optional[int] = ..., like_count: _Optional[int] = ..., comment_count: _Optional[int] = ..., share_count: _Optional[int] = ..., liked_by_viewer: _Optional[bool] = ...) -> None: ...

class BatchGetPostStatsResponse(_message.Message):
    __slots__ = ("stats",)
    STATS_FIELD_NUMBER: _ClassVar[int]
    stats: _containers.RepeatedCompositeFieldContainer[PostStats]
    def __init__(self, stats: _Optional[_Iterable[_Union[PostStats, _Mapping]]] = ...) -> None: ...
