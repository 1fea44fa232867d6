import datetime

from feedmesh.post.v1 import visibility_pb2 as _visibility_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EngagementKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENGAGEMENT_KIND_UNSPECIFIED: _ClassVar[EngagementKind]
    ENGAGEMENT_KIND_LIKE: _ClassVar[EngagementKind]
    ENGAGEMENT_KIND_UNLIKE: _ClassVar[EngagementKind]
    ENGAGEMENT_KIND_COMMENT: _ClassVar[EngagementKind]
    ENGAGEMENT_KIND_SHARE: _ClassVar[EngagementKind]
ENGAGEMENT_KIND_UNSPECIFIED: EngagementKind
ENGAGEMENT_KIND_LIKE: EngagementKind
ENGAGEMENT_KIND_UNLIKE: EngagementKind
ENGAGEMENT_KIND_COMMENT: EngagementKind
ENGAGEMENT_KIND_SHARE: EngagementKind

class Event(_message.Message):
    __slots__ = ("event_id", "occur_time", "post_published", "post_deleted", "user_followed", "user_unfollowed", "user_blocked", "follow_request_approved", "follow_requested", "close_friends_changed", "follow_request_withdrawn", "follow_request_rejected", "engagement", "post_liked", "post_unliked", "comment_created", "comment_deleted", "post_shared", "fanout_task", "feed_impression")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    POST_PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    POST_DELETED_FIELD_NUMBER: _ClassVar[int]
    USER_FOLLOWED_FIELD_NUMBER: _ClassVar[int]
    USER_UNFOLLOWED_FIELD_NUMBER: _ClassVar[int]
    USER_BLOCKED_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_REQUEST_APPROVED_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    CLOSE_FRIENDS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_REQUEST_WITHDRAWN_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_REQUEST_REJECTED_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENT_FIELD_NUMBER: _ClassVar[int]
    POST_LIKED_FIELD_NUMBER: _ClassVar[int]
    POST_UNLIKED_FIELD_NUMBER: _ClassVar[int]
    COMMENT_CREATED_FIELD_NUMBER: _ClassVar[int]
    COMMENT_DELETED_FIELD_NUMBER: _ClassVar[int]
    POST_SHARED_FIELD_NUMBER: _ClassVar[int]
    FANOUT_TASK_FIELD_NUMBER: _ClassVar[int]
    FEED_IMPRESSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    occur_time: _timestamp_pb2.Timestamp
    post_published: PostPublished
    post_deleted: PostDeleted
    user_followed: UserFollowed
    user_unfollowed: UserUnfollowed
    user_blocked: UserBlocked
    follow_request_approved: FollowRequestApproved
    follow_requested: FollowRequested
    close_friends_changed: CloseFriendsChanged
    follow_request_withdrawn: FollowRequestWithdrawn
    follow_request_rejected: FollowRequestRejected
    engagement: Engagement
    post_liked: PostLiked
    post_unliked: PostUnliked
    comment_created: CommentCreated
    comment_deleted: CommentDeleted
    post_shared: PostShared
    fanout_task: FanoutTask
    feed_impression: FeedImpression
    def __init__(self, event_id: _Optional[str] = ..., occur_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., post_published: _Optional[_Union[PostPublished, _Mapping]] = ..., post_deleted: _Optional[_Union[PostDeleted, _Mapping]] = ..., user_followed: _Optional[_Union[UserFollowed, _Mapping]] = ..., user_unfollowed: _Optional[_Union[UserUnfollowed, _Mapping]] = ..., user_blocked: _Optional[_Union[UserBlocked, _Mapping]] = ..., follow_request_approved: _Optional[_Union[FollowRequestApproved, _Mapping]] = ..., follow_requested: _Optional[_Union[FollowRequested, _Mapping]] = ..., close_friends_changed: _Optional[_Union[CloseFriendsChanged, _Mapping]] = ..., follow_request_withdrawn: _Optional[_Union[FollowRequestWithdrawn, _Mapping]] = ..., follow_request_rejected: _Optional[_Union[FollowRequestRejected, _Mapping]] = ..., engagement: _Optional[_Union[Engagement, _Mapping]] = ..., post_liked: _Optional[_Union[PostLiked, _Mapping]] = ..., post_unliked: _Optional[_Union[PostUnliked, _Mapping]] = ..., comment_created: _Optional[_Union[CommentCreated, _Mapping]] = ..., comment_deleted: _Optional[_Union[CommentDeleted, _Mapping]] = ..., post_shared: _Optional[_Union[PostShared, _Mapping]] = ..., fanout_task: _Optional[_Union[FanoutTask, _Mapping]] = ..., feed_impression: _Optional[_Union[FeedImpression, _Mapping]] = ...) -> None: ...

class PostPublished(_message.Message):
    __slots__ = ("post_id", "author_id", "visibility", "create_time", "mention_ids", "has_media")
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    MENTION_IDS_FIELD_NUMBER: _ClassVar[int]
    HAS_MEDIA_FIELD_NUMBER: _ClassVar[int]
    post_id: int
    author_id: int
    visibility: _visibility_pb2.Visibility
    create_time: _timestamp_pb2.Timestamp
    mention_ids: _containers.RepeatedScalarFieldContainer[int]
    has_media: bool
    def __init__(self, post_id: _Optional[int] = ..., author_id: _Optional[int] = ..., visibility: _Optional[_Union[_visibility_pb2.Visibility, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., mention_ids: _Optional[_Iterable[int]] = ..., has_media: _Optional[bool] = ...) -> None: ...

class PostDeleted(_message.Message):
    __slots__ = ("post_id", "author_id")
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    post_id: int
    author_id: int
    def __init__(self, post_id: _Optional[int] = ..., author_id: _Optional[int] = ...) -> None: ...

class UserFollowed(_message.Message):
    __slots__ = ("follower_id", "followee_id")
    FOLLOWER_ID_FIELD_NUMBER: _ClassVar[int]
    FOLLOWEE_ID_FIELD_NUMBER: _ClassVar[int]
    follower_id: int
    followee_id: int
    def __init__(self, follower_id: _Optional[int] = ..., followee_id: _Optional[int] = ...) -> None: ...

class UserUnfollowed(_message.Message):
    __slots__ = ("follower_id", "followee_id")
    FOLLOWER_ID_FIELD_NUMBER: _ClassVar[int]
    FOLLOWEE_ID_FIELD_NUMBER: _ClassVar[int]
    follower_id: int
    followee_id: int
    def __init__(self, follower_id: _Optional[int] = ..., followee_id: _Optional[int] = ...) -> None: ...

class UserBlocked(_message.Message):
    __slots__ = ("blocker_id", "blocked_id")
    BLOCKER_ID_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_ID_FIELD_NUMBER: _ClassVar[int]
    blocker_id: int
    blocked_id: int
    def __init__(self, blocker_id: _Optional[int] = ..., blocked_id: _Optional[int] = ...) -> None: ...

class FollowRequestApproved(_message.Message):
    __slots__ = ("follower_id", "followee_id")
    FOLLOWER_ID_FIELD_NUMBER: _ClassVar[int]
    FOLLOWEE_ID_FIELD_NUMBER: _ClassVar[int]
    follower_id: int
    followee_id: int
    def __init__(self, follower_id: _Optional[int] = ..., followee_id: _Optional[int] = ...) -> None: ...

class FollowRequested(_message.Message):
    __slots__ = ("follower_id", "followee_id")
    FOLLOWER_ID_FIELD_NUMBER: _ClassVar[int]
    FOLLOWEE_ID_FIELD_NUMBER: _ClassVar[int]
    follower_id: int
    followee_id: int
    def __init__(self, follower_id: _Optional[int] = ..., followee_id: _Optional[int] = ...) -> None: ...

class FollowRequestWithdrawn(_message.Message):
    __slots__ = ("follower_id", "followee_id")
    FOLLOWER_ID_FIELD_NUMBER: _ClassVar[int]
    FOLLOWEE_ID_FIELD_NUMBER: _ClassVar[int]
    follower_id: int
    followee_id: int
    def __init__(self, follower_id: _Optional[int] = ..., followee_id: _Optional[int] = ...) -> None: ...

class FollowRequestRejected(_message.Message):
    __slots__ = ("follower_id", "followee_id")
    FOLLOWER_ID_FIELD_NUMBER: _ClassVar[int]
    FOLLOWEE_ID_FIELD_NUMBER: _ClassVar[int]
    follower_id: int
    followee_id: int
    def __init__(self, follower_id: _Optional[int] = ..., followee_id: _Optional[int] = ...) -> None: ...

class CloseFriendsChanged(_message.Message):
    __slots__ = ("owner_id", "friend_id", "added")
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    FRIEND_ID_FIELD_NUMBER: _ClassVar[int]
    ADDED_FIELD_NUMBER: _ClassVar[int]
    owner_id: int
    friend_id: int
    added: bool
    def __init__(self, owner_id: _Optional[int] = ..., friend_id: _Optional[int] = ..., added: _Optional[bool] = ...) -> None: ...

class Engagement(_message.Message):
    __slots__ = ("kind", "user_id", "post_id", "post_author_id", "comment_id")
    KIND_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    POST_AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    COMMENT_ID_FIELD_NUMBER: _ClassVar[int]
    kind: EngagementKind
    user_id: int
    post_id: int
    post_author_id: int
    comment_id: int
    def __init__(self, kind: _Optional[_Union[EngagementKind, str]] = ..., user_id: _Optional[int] = ..., post_id: _Optional[int] = ..., post_author_id: _Optional[int] = ..., comment_id: _Optional[int] = ...) -> None: ...

class PostLiked(_message.Message):
    __slots__ = ("post_id", "user_id", "post_author_id")
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    POST_AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    post_id: int
    user_id: int
    post_author_id: int
    def __init__(self, post_id: _Optional[int] = ..., user_id: _Optional[int] = ..., post_author_id: _Optional[int] = ...) -> None: ...

class PostUnliked(_message.Message):
    __slots__ = ("post_id", "user_id", "post_author_id")
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    POST_AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    post_id: int
    user_id: int
    post_author_id: int
    def __init__(self, post_id: _Optional[int] = ..., user_id: _Optional[int] = ..., post_author_id: _Optional[int] = ...) -> None: ...

class CommentCreated(_message.Message):
    __slots__ = ("comment_id", "post_id", "author_id", "post_author_id", "text", "mention_handles", "create_time")
    COMMENT_ID_FIELD_NUMBER: _ClassVar[int]
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    POST_AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MENTION_HANDLES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    comment_id: int
    post_id: int
    author_id: int
    post_author_id: int
    text: str
    mention_handles: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, comment_id: _Optional[int] = ..., post_id: _Optional[int] = ..., author_id: _Optional[int] = ..., post_author_id: _Optional[int] = ..., text: _Optional[str] = ..., mention_handles: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CommentDeleted(_message.Message):
    __slots__ = ("comment_id", "post_id", "author_id", "post_author_id", "deleted_by_id")
    COMMENT_ID_FIELD_NUMBER: _ClassVar[int]
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    POST_AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_BY_ID_FIELD_NUMBER: _ClassVar[int]
    comment_id: int
    post_id: int
    author_id: int
    post_author_id: int
    deleted_by_id: int
    def __init__(self, comment_id: _Optional[int] = ..., post_id: _Optional[int] = ..., author_id: _Optional[int] = ..., post_author_id: _Optional[int] = ..., deleted_by_id: _Optional[int] = ...) -> None: ...

class PostShared(_message.Message):
    __slots__ = ("share_id", "post_id", "user_id", "post_author_id")
    SHARE_ID_FIELD_NUMBER: _ClassVar[int]
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    POST_AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    share_id: int
    post_id: int
    user_id: int
    post_author_id: int
    def __init__(self, share_id: _Optional[int] = ..., post_id: _Optional[int] = ..., user_id: _Optional[int] = ..., post_author_id: _Optional[int] = ...) -> None: ...

class FanoutTask(_message.Message):
    __slots__ = ("post_id", "author_id", "create_time", "follower_ids", "cache_written", "more_posts")
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    FOLLOWER_IDS_FIELD_NUMBER: _ClassVar[int]
    CACHE_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    MORE_POSTS_FIELD_NUMBER: _ClassVar[int]
    post_id: int
    author_id: int
    create_time: _timestamp_pb2.Timestamp
    follower_ids: _containers.RepeatedScalarFieldContainer[int]
    cache_written: bool
    more_posts: _containers.RepeatedCompositeFieldContainer[FanoutPost]
    def __init__(self, post_id: _Optional[int] = ..., author_id: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., follower_ids: _Optional[_Iterable[int]] = ..., cache_written: _Optional[bool] = ..., more_posts: _Optional[_Iterable[_Union[FanoutPost, _Mapping]]] = ...) -> None: ...

class FanoutPost(_message.Message):
    __slots__ = ("post_id", "create_time")
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    post_id: int
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, post_id: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FeedImpression(_message.Message):
    __slots__ = ("viewer_id", "post_id", "author_id", "position", "mode", "model_version", "experiment", "page_id", "post_create_time", "has_media", "score")
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_ID_FIELD_NUMBER: _ClassVar[int]
    POST_CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    HAS_MEDIA_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    viewer_id: int
    post_id: int
    author_id: int
    position: int
    mode: str
    model_version: str
    experiment: str
    page_id: str
    post_create_time: _timestamp_pb2.Timestamp
    has_media: bool
    score: float
    def __init__(self, viewer_id: _Optional[int] = ..., post_id: _Optional[int] = ..., author_id: _Optional[int] = ..., position: _Optional[int] = ..., mode: _Optional[str] = ..., model_version: _Optional[str] = ..., experiment: _Optional[str] = ..., page_id: _Optional[str] = ..., post_create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., has_media: _Optional[bool] = ..., score: _Optional[float] = ...) -> None: ...
