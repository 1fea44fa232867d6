"""A consumer member's librdkafka configuration commits nothing by itself, and its client-wide errors are logged at
most once per kind per LOG_EVERY_SECONDS."""

from __future__ import annotations

import logging

import pytest
from confluent_kafka import KafkaError

from services.common.kafka_consumer import client
from services.common.kafka_consumer.client import ThrottledErrors, consumer_config


def test_the_member_commits_only_what_it_handled_and_rebalances_eagerly() -> None:
    errors = ThrottledErrors("m-0")
    config = consumer_config(
        bootstrap="127.0.0.1:9092", group="g", member="m-0", offset_reset="latest", fetch_min_bytes=1024,
        fetch_max_wait_ms=300, errors=errors,
    )  # fmt: skip
    assert config["enable.auto.commit"] is False and config["enable.auto.offset.store"] is False
    assert config["partition.assignment.strategy"] == "range"
    assert (config["group.id"], config["client.id"], config["auto.offset.reset"]) == ("g", "m-0", "latest")
    assert (config["fetch.min.bytes"], config["fetch.wait.max.ms"]) == (1024, 300)
    assert config["enable.partition.eof"] is False and config["error_cb"] is errors


def test_errors_of_one_kind_are_logged_once_per_interval(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(client.time, "monotonic", lambda: now[0])
    errors = ThrottledErrors("m-0")
    down = KafkaError(KafkaError._TRANSPORT, "connection refused")
    with caplog.at_level(logging.WARNING, logger=client.__name__):
        errors(down)
        errors(down)
        errors(KafkaError(KafkaError._ALL_BROKERS_DOWN, "all brokers down"))  # another kind: logged
        now[0] += client.LOG_EVERY_SECONDS
        errors(down)
    assert [r.error for r in caplog.records] == [  # type: ignore[attr-defined]
        "connection refused",
        "all brokers down",
        "connection refused",
    ]
