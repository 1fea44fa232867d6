"""Every Kafka topic feedmesh declares is bounded in time and in bytes, and the topics file says so in a form the
schema step reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from stack.schema import kafka as kafka_schema

SEGMENT_BYTES = 134_217_728  # log.segment.bytes of stack/conf/kafka-server.properties


def test_every_declared_topic_has_a_time_and_a_size_retention() -> None:
    topics = kafka_schema.read_topics()
    assert {t.name for t in topics} >= {"feedmesh.posts", "feedmesh.fanout.durable", "feedmesh.dead-letters"}
    for topic in topics:
        assert 0 < topic.retention_ms <= 30 * 86_400_000, topic.name
        # retention.bytes deletes whole segments: below two, a partition would keep one segment or none
        assert topic.retention_bytes >= 2 * SEGMENT_BYTES, topic.name
        assert topic.configs() == {
            "retention.ms": str(topic.retention_ms),
            "retention.bytes": str(topic.retention_bytes),
        }


def test_a_line_without_its_size_retention_is_refused(tmp_path: Path) -> None:
    topics = tmp_path / "topics"
    topics.write_text("# a comment\nfeedmesh.ok 3 1000 268435456\nfeedmesh.old 3 1000\n")
    with pytest.raises(ValueError, match=r"topics:3: expected 'NAME PARTITIONS RETENTION_MS RETENTION_BYTES'"):
        kafka_schema.read_topics(topics)


def test_the_brokers_segment_size_is_what_the_bound_assumes() -> None:
    properties = (kafka_schema.ROOT / "stack" / "conf" / "kafka-server.properties").read_text()
    assert f"log.segment.bytes={SEGMENT_BYTES}" in properties.splitlines()
