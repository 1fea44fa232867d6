"""Connecting to Cassandra at a service's start: a node that does not answer yet is tried again until the deadline,
then the error is raised (the service exits with it rather than hanging)."""

from __future__ import annotations

import logging
import socket

import pytest
from cassandra.cluster import NoHostAvailable

from services.common.cassandra import connect


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_node_that_does_not_answer_is_tried_again_until_the_deadline(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="services.common.cassandra"), pytest.raises(NoHostAvailable):
        connect(["127.0.0.1"], _closed_port(), "feedmesh", within_seconds=2.0)
    retries = [r for r in caplog.records if "connecting again" in r.getMessage()]
    assert len(retries) >= 2
