"""Kafka: the topics of schema/kafka/topics (NAME PARTITIONS RETENTION_MS RETENTION_BYTES). Missing topics are
created, a topic with fewer partitions than written gets more, and retention.ms and retention.bytes are set to what
is written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stack import clients
from stack.settings import ROOT, StackSettings

TOPICS_FILE = ROOT / "schema" / "kafka" / "topics"


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    retention_ms: int
    retention_bytes: int
    """Per partition: past it the oldest segments go, however young."""

    def configs(self) -> dict[str, str]:
        return {"retention.ms": str(self.retention_ms), "retention.bytes": str(self.retention_bytes)}


def read_topics(path: Path = TOPICS_FILE) -> list[Topic]:
    topics = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            name, partitions, retention_ms, retention_bytes = line.split()
            topics.append(Topic(name, int(partitions), int(retention_ms), int(retention_bytes)))
        except ValueError:
            raise ValueError(
                f"{path}:{number}: expected 'NAME PARTITIONS RETENTION_MS RETENTION_BYTES', got {line!r}"
            ) from None
    return topics


def apply(s: StackSettings, topics: list[Topic] | None = None) -> str:
    from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic

    topics = read_topics() if topics is None else topics
    admin = clients.kafka_admin(s)
    try:
        existing = {t["name"]: len(t["partitions"]) for t in admin.describe_topics() if not t.get("error_code")}
        created = [t for t in topics if t.name not in existing]
        grown = [t for t in topics if t.name in existing and existing[t.name] < t.partitions]
        if created:
            # replication: 1 on one node, 3 in the cluster topology (FEEDMESH_KAFKA_REPLICATION_FACTOR)
            replication = int(s["FEEDMESH_KAFKA_REPLICATION_FACTOR"])
            admin.create_topics(
                [NewTopic(t.name, t.partitions, replication, topic_configs=t.configs()) for t in created]
            )
        if grown:
            admin.create_partitions({t.name: NewPartitions(t.partitions) for t in grown})
        kept = [t for t in topics if t.name in existing]
        if kept:
            admin.alter_configs(
                [ConfigResource(ConfigResourceType.TOPIC, t.name, configs=t.configs()) for t in kept],
                incremental=True,
            )
    finally:
        admin.close()
    names = lambda ts: ", ".join(t.name for t in ts) or "none"  # noqa: E731
    return f"{len(topics)} topics, created: {names(created)}, more partitions: {names(grown)}"
