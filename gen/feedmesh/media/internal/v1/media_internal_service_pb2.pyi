from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class AttachMediaRequest(_message.Message):
    __slots__ = ("media_refs",)
    MEDIA_REFS_FIELD_NUMBER: _ClassVar[int]
    media_refs: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, media_refs: _Optional[_Iterable[str]] = ...) -> None: ...

class AttachMediaResponse(_message.Message):
    __slots__ = ("attached",)
    ATTACHED_FIELD_NUMBER: _ClassVar[int]
    attached: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, attached: _Optional[_Iterable[bool]] = ...) -> None: ...

class BatchCheckMediaRequest(_message.Message):
    __slots__ = ("media_refs",)
    MEDIA_REFS_FIELD_NUMBER: _ClassVar[int]
    media_refs: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, media_refs: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchCheckMediaResponse(_message.Message):
    __slots__ = ("exists",)
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    exists: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, exists: _Optional[_Iterable[bool]] = ...) -> None: ...
