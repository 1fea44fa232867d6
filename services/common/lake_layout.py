"""The data lake's layout in the lake bucket, shared by the archiver that writes it (services/lake) and the jobs that
read it (services/training): where each event type's Parquet files live, how they are named, and their columns.

    events/<type>/dt=YYYY-MM-DD/hour=HH/part-<topic>-<partition>-<first offset>-<last offset>.parquet
    events/<type>/dt=YYYY-MM-DD/hour=HH/compacted.parquet          (a closed hour's parts, merged)
    datasets/ranking/<run>/training.parquet                         (the feature job's training sets)

`<type>` is the name of the Event's payload field (post_liked, feed_impression, ...) and the hour is the event's
occur_time, in UTC. A part's name depends only on the Kafka records it holds, so a replay after a crash writes the
same object again instead of a second copy. Readers still dedupe on event_id: the outbox delivers at least once, and
a compacted file and the parts it replaced may be seen together for a moment.

Columns are derived from the Event proto: event_id, occur_time, kafka_partition, kafka_offset, then the payload's
fields under their proto names (timestamps as UTC timestamps, enums by name, repeated fields as lists, other messages
as JSON). A field added to the proto is a new nullable column; older files read as nulls there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from feedmesh.events.internal.v1 import events_pb2
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

EVENTS_PREFIX = "events"
DATASETS_PREFIX = "datasets/ranking"
COMPACTED_NAME = "compacted.parquet"
TIME = pa.timestamp("us", tz="UTC")
# Columns every event type has, before the payload's own.
BASE_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("event_id", pa.string()),
    ("occur_time", TIME),
    ("kafka_partition", pa.int32()),
    ("kafka_offset", pa.int64()),
)

_SCALARS: dict[int, pa.DataType] = {
    FieldDescriptor.TYPE_INT64: pa.int64(),
    FieldDescriptor.TYPE_SINT64: pa.int64(),
    FieldDescriptor.TYPE_SFIXED64: pa.int64(),
    FieldDescriptor.TYPE_UINT64: pa.uint64(),
    FieldDescriptor.TYPE_FIXED64: pa.uint64(),
    FieldDescriptor.TYPE_INT32: pa.int32(),
    FieldDescriptor.TYPE_SINT32: pa.int32(),
    FieldDescriptor.TYPE_SFIXED32: pa.int32(),
    FieldDescriptor.TYPE_UINT32: pa.uint32(),
    FieldDescriptor.TYPE_FIXED32: pa.uint32(),
    FieldDescriptor.TYPE_BOOL: pa.bool_(),
    FieldDescriptor.TYPE_STRING: pa.string(),
    FieldDescriptor.TYPE_BYTES: pa.binary(),
    FieldDescriptor.TYPE_DOUBLE: pa.float64(),
    FieldDescriptor.TYPE_FLOAT: pa.float32(),
    FieldDescriptor.TYPE_ENUM: pa.string(),  # by name: readable, and stable if values are renumbered
}
_TIMESTAMP = "google.protobuf.Timestamp"
_HOUR_DIR = re.compile(r"(?:^|/)events/(?P<type>[a-z0-9_]+)/dt=(?P<day>\d{4}-\d{2}-\d{2})/hour=(?P<hour>\d{2})(?:/|$)")


def event_types() -> list[str]:
    """Every payload of an Event, by field name."""
    return [f.name for f in events_pb2.Event.DESCRIPTOR.oneofs_by_name["payload"].fields]


def _payload_descriptor(event_type: str) -> Descriptor:
    field = events_pb2.Event.DESCRIPTOR.fields_by_name.get(event_type)
    if field is None or field.message_type is None:
        raise ValueError(f"{event_type!r} is not an Event payload")
    return field.message_type  # type: ignore[return-value]  # upb's Descriptor is the same type at run time


def _is_timestamp(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.full_name == _TIMESTAMP


def _column_type(field: FieldDescriptor) -> pa.DataType:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        kind = TIME if _is_timestamp(field) else pa.string()
    else:
        kind = _SCALARS[field.type]
    return pa.list_(kind) if field.is_repeated else kind


def event_schema(event_type: str) -> pa.Schema:
    """The columns of `event_type` as the current proto defines them (readers unify older files with it)."""
    payload = [(f.name, _column_type(f)) for f in _payload_descriptor(event_type).fields]
    return pa.schema([*BASE_COLUMNS, *payload])


def _value(message: Message, field: FieldDescriptor) -> Any:
    raw = getattr(message, field.name)
    if field.is_repeated:
        return [_item(item, field) for item in raw]
    if field.type == FieldDescriptor.TYPE_MESSAGE and not message.HasField(field.name):
        return None
    return _item(raw, field)


def _item(raw: Any, field: FieldDescriptor) -> Any:
    if field.type == FieldDescriptor.TYPE_ENUM and field.enum_type is not None:
        named = field.enum_type.values_by_number.get(raw)
        return named.name if named is not None else str(raw)
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        if _is_timestamp(field):
            return raw.ToDatetime(tzinfo=UTC)
        return json_format.MessageToJson(raw, indent=None)
    return raw


def event_row(event: events_pb2.Event, partition: int, offset: int) -> dict[str, Any]:
    """One event as a row of its type's table (see event_schema)."""
    event_type = event.WhichOneof("payload")
    if event_type is None:
        raise ValueError("the event has no payload")
    payload = getattr(event, event_type)
    row: dict[str, Any] = {
        "event_id": event.event_id,
        "occur_time": event.occur_time.ToDatetime(tzinfo=UTC) if event.HasField("occur_time") else None,
        "kafka_partition": partition,
        "kafka_offset": offset,
    }
    for field in payload.DESCRIPTOR.fields:
        row[field.name] = _value(payload, field)
    return row


def rows_table(event_type: str, rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=event_schema(event_type))


def hour_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hour_dir(event_type: str, hour: datetime) -> str:
    hour = hour_of(hour)
    return f"{EVENTS_PREFIX}/{event_type}/dt={hour:%Y-%m-%d}/hour={hour:%H}"


def type_dir(event_type: str) -> str:
    return f"{EVENTS_PREFIX}/{event_type}"


def part_name(topic: str, partition: int, first_offset: int, last_offset: int) -> str:
    """Zero-padded offsets, so a directory lists its parts in offset order."""
    return f"part-{topic}-{partition}-{first_offset:019d}-{last_offset:019d}.parquet"


@dataclass(frozen=True, slots=True)
class HourDir:
    event_type: str
    hour: datetime
    path: str  # the directory, relative to the bucket


def parse_hour_dir(key: str) -> HourDir | None:
    """The hour directory a key lies in (or is), or None for keys outside events/."""
    found = _HOUR_DIR.search(key)
    if found is None:
        return None
    hour = datetime.strptime(f"{found['day']} {found['hour']}", "%Y-%m-%d %H").replace(tzinfo=UTC)
    return HourDir(found["type"], hour, hour_dir(found["type"], hour))


def dataset_key(run_id: str, name: str = "training") -> str:
    return f"{DATASETS_PREFIX}/{run_id}/{name}.parquet"
