from feedmesh.post.v1 import post_pb2 as _post_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BatchGetPostsRequest(_message.Message):
    __slots__ = ("post_ids",)
    POST_IDS_FIELD_NUMBER: _ClassVar[int]
    post_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, post_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class BatchGetPostsResponse(_message.Message):
    __slots__ = ("posts",)
    POSTS_FIELD_NUMBER: _ClassVar[int]
    posts: _containers.RepeatedCompositeFieldContainer[_post_pb2.Post]
    def __init__(self, posts: _Optional[_Iterable[_Union[_post_pb2.Post, _Mapping]]] = ...) -> None: ...

class ListAuthorPostIdsRequest(_message.Message):
    __slots__ = ("author_id", "before_id", "limit")
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    BEFORE_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    author_id: int
    before_id: int
    limit: int
    def __init__(self, author_id: _Optional[int] = ..., before_id: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class ListAuthorPostIdsResponse(_message.Message):
    __slots__ = ("post_ids",)
    POST_IDS_FIELD_NUMBER: _ClassVar[int]
    post_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, post_ids: _Optional[_Iterable[int]] = ...) -> None: ...
