from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class FlushRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FlushResponse(_message.Message):
    __slots__ = ("events_written", "files_written", "offsets_through")
    EVENTS_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    FILES_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    OFFSETS_THROUGH_FIELD_NUMBER: _ClassVar[int]
    events_written: int
    files_written: int
    offsets_through: int
    def __init__(self, events_written: _Optional[int] = ..., files_written: _Optional[int] = ..., offsets_through: _Optional[int] = ...) -> None: ...
