"""Hypothesis strategies for protobuf messages, built from the generated descriptors, and the list of every unary
RPC that the services serve on their own gRPC ports (public and internal packages), with where it is served.

Values stay within each field's wire type but go to its edges: int64 extremes and negatives, strings long and far
from ASCII, repeated fields of thousands of elements, enum numbers no enum declares, nested messages a few levels
deep. `tests/e2e/test_grpc_fuzz.py` sends them; `make fuzz-grpc` runs the same test with many more examples.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf import descriptor as d
from google.protobuf import message_factory
from google.protobuf.message import Message
from hypothesis import strategies as st

from stack.settings import ROOT

# The package of a service's proto -> the setting naming the address it is served on (stack/defaults.env).
TARGETS = {
    "feedmesh.auth": "FEEDMESH_AUTH_TARGET",
    "feedmesh.graph": "FEEDMESH_GRAPH_TARGET",
    "feedmesh.post": "FEEDMESH_POST_TARGET",
    "feedmesh.timeline": "FEEDMESH_TIMELINE_TARGET",
    "feedmesh.ranking": "FEEDMESH_RANKING_TARGET",
    "feedmesh.engagement": "FEEDMESH_ENGAGEMENT_TARGET",
    "feedmesh.notification": "FEEDMESH_NOTIFICATION_TARGET",
    "feedmesh.media": "FEEDMESH_MEDIA_TARGET",
    "feedmesh.lake": "FEEDMESH_LAKE_TARGET",
}
# Not fuzzed: operator actions that change shared state for real users (a ban, a cleared budget) and the lake's
# flush (archives everything buffered: heavy work). Server streams stay open: they are not unary calls.
EXCLUDED = {
    "/feedmesh.engagement.internal.v1.EngagementAdminService/ShadowBanUser",
    "/feedmesh.engagement.internal.v1.EngagementAdminService/UnbanUser",
    "/feedmesh.engagement.internal.v1.EngagementAdminService/ClearRateLimit",
    "/feedmesh.lake.internal.v1.LakeService/Flush",
}
MAX_DEPTH = 3
MAX_REPEATED = 20_000

INT_RANGES = {
    d.FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    d.FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    d.FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    d.FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    d.FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
    d.FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    d.FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    d.FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    d.FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    d.FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
}


@dataclass(frozen=True)
class Rpc:
    path: str
    """/package.Service/Method"""
    target_setting: str
    request: type[Message]
    internal: bool


def _integers(low: int, high: int) -> st.SearchStrategy[int]:
    edges = [v for v in (0, 1, -1, 2, low, high, high - 1, 2**31, 2**53 + 1, -(2**31)) if low <= v <= high]
    return st.one_of(st.sampled_from(edges), st.integers(low, high), st.integers(max(low, -1000), min(high, 1000)))


_TEXT = st.characters(codec="utf-8")
_STRINGS = st.one_of(
    st.text(_TEXT, max_size=40),
    st.text(st.characters(codec="ascii"), max_size=40),
    st.builds(lambda s, n: (s or "x") * n, st.text(_TEXT, min_size=1, max_size=4), st.integers(500, 40_000)),
)


def _scalar(field: d.FieldDescriptor) -> st.SearchStrategy[Any]:
    kind = field.type
    if kind in INT_RANGES:
        return _integers(*INT_RANGES[kind])
    if kind == d.FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind == d.FieldDescriptor.TYPE_STRING:
        return _STRINGS
    if kind == d.FieldDescriptor.TYPE_BYTES:
        return st.one_of(st.binary(max_size=64), st.builds(lambda n: b"\xff" * n, st.integers(1000, 100_000)))
    if kind == d.FieldDescriptor.TYPE_DOUBLE:
        return st.floats()
    if kind == d.FieldDescriptor.TYPE_FLOAT:
        return st.floats(width=32)
    if kind == d.FieldDescriptor.TYPE_ENUM:
        assert field.enum_type is not None
        declared = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(declared), st.integers(-(2**31), 2**31 - 1))
    raise TypeError(f"no strategy for field {field.full_name} of type {kind}")


def _entry(field: d.FieldDescriptor) -> d.Descriptor:
    assert field.message_type is not None
    return field.message_type


def _value(field: d.FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    if field.type == d.FieldDescriptor.TYPE_MESSAGE:
        return messages(_entry(field), depth + 1)
    return _scalar(field)


def _repeated(field: d.FieldDescriptor, depth: int) -> st.SearchStrategy[list[Any]]:
    """A few elements of any value, or thousands of one small value (the same object repeated: cheap to draw, and a
    message of thousands of long strings would be gigabytes on the client)."""
    if field.type == d.FieldDescriptor.TYPE_MESSAGE:
        small: st.SearchStrategy[Any] = st.just(message_factory.GetMessageClass(_entry(field))())
    elif field.type in (d.FieldDescriptor.TYPE_STRING, d.FieldDescriptor.TYPE_BYTES):
        small = _scalar(field).filter(lambda value: len(value) <= 16)
    else:
        small = _scalar(field)
    many = st.builds(lambda value, n: [value] * n, small, st.integers(1000, MAX_REPEATED))
    return st.one_of(st.lists(_value(field, depth), max_size=6), many)


def _is_map(field: d.FieldDescriptor) -> bool:
    return field.type == d.FieldDescriptor.TYPE_MESSAGE and bool(_entry(field).GetOptions().map_entry)


def messages(descriptor: Any, depth: int = 0) -> st.SearchStrategy[Message]:
    """Messages of this type whose every field is absent or any value of its type."""
    cls = message_factory.GetMessageClass(descriptor)
    if depth >= MAX_DEPTH:
        return st.just(cls())
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for field in descriptor.fields:
        if _is_map(field):
            key, value = _entry(field).fields_by_name["key"], _entry(field).fields_by_name["value"]
            optional[field.name] = st.dictionaries(_scalar(key), _value(value, depth), max_size=5)
        elif field.is_repeated:
            optional[field.name] = _repeated(field, depth)
        else:
            optional[field.name] = _value(field, depth)
    return st.fixed_dictionaries({}, optional=optional).map(lambda values: _build(cls, descriptor, values))


def _build(cls: Callable[[], Message], descriptor: d.Descriptor, values: dict[str, Any]) -> Message:
    message = cls()
    for name, value in values.items():
        field = descriptor.fields_by_name[name]
        target = getattr(message, name)
        if _is_map(field):
            for k, v in value.items():
                if _entry(field).fields_by_name["value"].type == d.FieldDescriptor.TYPE_MESSAGE:
                    target[k].CopyFrom(v)
                else:
                    target[k] = v
        elif field.is_repeated:
            target.extend(value)
        elif field.type == d.FieldDescriptor.TYPE_MESSAGE:
            target.CopyFrom(value)
        else:
            setattr(message, name, value)
    return message


def _generated_modules() -> list[Any]:
    gen = ROOT / "gen"
    names = sorted(".".join(p.relative_to(gen).with_suffix("").parts) for p in gen.glob("feedmesh/*/**/*_pb2.py"))
    return [importlib.import_module(name) for name in names if ".events." not in name]


def unary_rpcs() -> list[Rpc]:
    """Every unary RPC of every service in gen/, except EXCLUDED, in a stable order."""
    rpcs = []
    for module in _generated_modules():
        for service in module.DESCRIPTOR.services_by_name.values():
            prefix = ".".join(service.full_name.split(".")[:2])
            for method in service.methods:
                path = f"/{service.full_name}/{method.name}"
                if method.client_streaming or method.server_streaming or path in EXCLUDED:
                    continue
                request = message_factory.GetMessageClass(method.input_type)
                rpcs.append(Rpc(path, TARGETS[prefix], request, ".internal." in service.full_name))
    return sorted(rpcs, key=lambda rpc: rpc.path)
