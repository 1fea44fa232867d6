from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class Visibility(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VISIBILITY_UNSPECIFIED: _ClassVar[Visibility]
    PUBLIC: _ClassVar[Visibility]
    FOLLOWERS: _ClassVar[Visibility]
    CLOSE_FRIENDS: _ClassVar[Visibility]
VISIBILITY_UNSPECIFIED: Visibility
PUBLIC: Visibility
FOLLOWERS: Visibility
CLOSE_FRIENDS: Visibility
