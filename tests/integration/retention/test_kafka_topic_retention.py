"""The schema step bounds a topic in time and bytes: at creation, and again on a topic that exists (a stack created
before the size bound gets it on its next `make up`). A topic of its own per test."""

from __future__ import annotations

import uuid
from typing import Any

from kafka.admin import ConfigResource, ConfigResourceType

from stack.schema import kafka as kafka_schema
from stack.settings import StackSettings


def _retention(admin: Any, topic: str) -> dict[str, str]:
    configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])["topic"][topic]
    return {name: str(configs[name]["value"]) for name in ("retention.ms", "retention.bytes")}


def test_a_topic_is_created_bounded_and_an_existing_one_is_bounded_again(
    kafka_admin: Any, stack_settings: StackSettings
) -> None:
    topic = f"test.retention.{uuid.uuid4().hex[:10]}"
    try:
        kafka_schema.apply(stack_settings, [kafka_schema.Topic(topic, 1, 3_600_000, 300_000_000)])
        assert _retention(kafka_admin, topic) == {"retention.ms": "3600000", "retention.bytes": "300000000"}

        kafka_schema.apply(stack_settings, [kafka_schema.Topic(topic, 1, 7_200_000, 400_000_000)])
        assert _retention(kafka_admin, topic) == {"retention.ms": "7200000", "retention.bytes": "400000000"}
    finally:
        kafka_admin.delete_topics([topic])
