import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RankingCandidate(_message.Message):
    __slots__ = ("post_id", "author_id", "create_time", "like_count", "comment_count", "share_count", "has_media")
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LIKE_COUNT_FIELD_NUMBER: _ClassVar[int]
    COMMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    SHARE_COUNT_FIELD_NUMBER: _ClassVar[int]
    HAS_MEDIA_FIELD_NUMBER: _ClassVar[int]
    post_id: int
    author_id: int
    create_time: _timestamp_pb2.Timestamp
    like_count: int
    comment_count: int
    share_count: int
    has_media: bool
    def __init__(self, post_id: _Optional[int] = ..., author_id: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., like_count: _Optional[int] = ..., comment_count: _Optional[int] = ..., share_count: _Optional[int] = ..., has_media: _Optional[bool] = ...) -> None: ...

class ScorePostsRequest(_message.Message):
    __slots__ = ("viewer_id", "candidates", "experiment")
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_FIELD_NUMBER: _ClassVar[int]
    viewer_id: int
    candidates: _containers.RepeatedCompositeFieldContainer[RankingCandidate]
    experiment: str
    def __init__(self, viewer_id: _Optional[int] = ..., candidates: _Optional[_Iterable[_Union[RankingCandidate, _Mapping]]] = ..., experiment: _Optional[str] = ...) -> None: ...

class ScorePostsResponse(_message.Message):
    __slots__ = ("scores", "model_version", "fallback", "experiment")
    SCORES_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_FIELD_NUMBER: _ClassVar[int]
    scores: _containers.RepeatedScalarFieldContainer[float]
    model_version: str
    fallback: bool
    experiment: str
    def __init__(self, scores: _Optional[_Iterable[float]] = ..., model_version: _Optional[str] = ..., fallback: _Optional[bool] = ..., experiment: _Optional[str] = ...) -> None: ...
