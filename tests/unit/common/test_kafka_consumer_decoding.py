"""The consumer runtime's typed interface: records are decoded into the consumer's message type with their key,
origin and trace context, and a record that is not one fails as a poison event (set aside, never retried forever)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from google.protobuf.wrappers_pb2 import Int64Value
from opentelemetry import trace

from services.common.kafka_consumer import PoisonEvent, UndecodableEvent
from services.common.kafka_consumer.events import decode

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


@dataclass
class Record:
    """What kafka-python's consumer hands over, as far as decoding reads it."""

    value: bytes | None
    offset: int
    key: bytes | None = b"author-7"
    topic: str = "feedmesh.test"
    partition: int = 2
    headers: list[tuple[str, bytes]] = field(default_factory=list)


def test_records_are_decoded_with_their_key_origin_and_trace_context() -> None:
    traced = [("traceparent", f"00-{TRACE_ID}-b7ad6b7169203331-01".encode())]
    records = [
        Record(Int64Value(value=41).SerializeToString(), 10, headers=traced),
        Record(None, 11, key=None),  # an empty value is the message with every field at its default
    ]
    first, second = decode(records, Int64Value)
    assert (first.event, first.key, first.topic, first.partition, first.offset) == (
        Int64Value(value=41),
        b"author-7",
        "feedmesh.test",
        2,
        10,
    )
    assert trace.get_current_span(first.trace_context).get_span_context().trace_id == int(TRACE_ID, 16)
    assert (second.event, second.key) == (Int64Value(value=0), b"")
    assert not trace.get_current_span(second.trace_context).get_span_context().is_valid


def test_a_record_that_is_not_the_message_type_is_a_poison_event_naming_where_it_is() -> None:
    records = [Record(Int64Value(value=1).SerializeToString(), 4), Record(b"\xff not protobuf", 5)]
    with pytest.raises(UndecodableEvent, match=r"feedmesh.test/2@5 is not a google.protobuf.Int64Value") as raised:
        decode(records, Int64Value)
    assert isinstance(raised.value, PoisonEvent)
