import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ShadowBanState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHADOW_BAN_STATE_UNSPECIFIED: _ClassVar[ShadowBanState]
    SHADOW_BAN_STATE_NEVER: _ClassVar[ShadowBanState]
    SHADOW_BAN_STATE_ACTIVE: _ClassVar[ShadowBanState]
    SHADOW_BAN_STATE_LIFTED: _ClassVar[ShadowBanState]
SHADOW_BAN_STATE_UNSPECIFIED: ShadowBanState
SHADOW_BAN_STATE_NEVER: ShadowBanState
SHADOW_BAN_STATE_ACTIVE: ShadowBanState
SHADOW_BAN_STATE_LIFTED: ShadowBanState

class ShadowBan(_message.Message):
    __slots__ = ("user_id", "reason", "banned_by", "ban_time", "lift_time", "lifted_by")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    BANNED_BY_FIELD_NUMBER: _ClassVar[int]
    BAN_TIME_FIELD_NUMBER: _ClassVar[int]
    LIFT_TIME_FIELD_NUMBER: _ClassVar[int]
    LIFTED_BY_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    reason: str
    banned_by: str
    ban_time: _timestamp_pb2.Timestamp
    lift_time: _timestamp_pb2.Timestamp
    lifted_by: str
    def __init__(self, user_id: _Optional[int] = ..., reason: _Optional[str] = ..., banned_by: _Optional[str] = ..., ban_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lift_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lifted_by: _Optional[str] = ...) -> None: ...

class UserStatus(_message.Message):
    __slots__ = ("user_id", "account_create_time", "shadow_ban_state", "shadow_ban", "rate_limited_until")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    SHADOW_BAN_STATE_FIELD_NUMBER: _ClassVar[int]
    SHADOW_BAN_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMITED_UNTIL_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    account_create_time: _timestamp_pb2.Timestamp
    shadow_ban_state: ShadowBanState
    shadow_ban: ShadowBan
    rate_limited_until: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[int] = ..., account_create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., shadow_ban_state: _Optional[_Union[ShadowBanState, str]] = ..., shadow_ban: _Optional[_Union[ShadowBan, _Mapping]] = ..., rate_limited_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ShadowBanUserRequest(_message.Message):
    __slots__ = ("user_id", "reason", "operator")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    reason: str
    operator: str
    def __init__(self, user_id: _Optional[int] = ..., reason: _Optional[str] = ..., operator: _Optional[str] = ...) -> None: ...

class UnbanUserRequest(_message.Message):
    __slots__ = ("user_id", "operator")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    operator: str
    def __init__(self, user_id: _Optional[int] = ..., operator: _Optional[str] = ...) -> None: ...

class GetUserStatusRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    def __init__(self, user_id: _Optional[int] = ...) -> None: ...

class ListShadowBansRequest(_message.Message):
    __slots__ = ("cursor", "limit")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    limit: int
    def __init__(self, cursor: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListShadowBansResponse(_message.Message):
    __slots__ = ("shadow_bans", "next_cursor")
    SHADOW_BANS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    shadow_bans: _containers.RepeatedCompositeFieldContainer[ShadowBan]
    next_cursor: str
    def __init__(self, shadow_bans: _Optional[_Iterable[_Union[ShadowBan, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class ClearRateLimitRequest(_message.Message):
    __slots__ = ("user_id", "operator")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    operator: str
    def __init__(self, user_id: _Optional[int] = ..., operator: _Optional[str] = ...) -> None: ...
