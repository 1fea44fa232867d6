"""Traces through the real gateway: a post sent with a sampled `traceparent` is one trace in Zipkin, from Envoy's
span through the post service into the timeline's consumer of the post's event (across Kafka), and the CLI's query
finds the feed reads."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from feedmesh_cli.traces import FEED_READ, fetch_trace, fetch_traces, slowest, traces_query
from services.common.polling import wait_for_sync
from stack.settings import StackSettings
from tests.e2e.conftest import User


@pytest.fixture(scope="module")
def traces_url(stack: StackSettings) -> str:
    if not stack.traces_url:
        pytest.skip("FEEDMESH_TRACES_URL is empty: the stack records no traces")
    return stack.traces_url


def _sampled_traceparent() -> tuple[str, str]:
    trace_id = secrets.token_hex(16)
    return trace_id, f"00-{trace_id}-{secrets.token_hex(8)}-01"


def _seen(spans: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """(service, kind, name) of each span: what a failure shows."""
    return {(s.get("localEndpoint", {}).get("serviceName", "?"), s.get("kind", "-"), s.get("name", "?")) for s in spans}


def _complete(seen: set[tuple[str, str, str]]) -> bool:
    services = {service for service, _, _ in seen}
    consumed = ("feedmesh-timeline", "CONSUMER", "feedmesh.posts process") in seen
    return {"feedmesh-gateway", "feedmesh-post"} <= services and consumed


def test_a_posts_trace_runs_from_the_gateway_through_kafka_into_the_timeline(
    client: httpx.Client, new_user: Callable[..., User], traces_url: str
) -> None:
    author = new_user()
    trace_id, traceparent = _sampled_traceparent()
    created = client.post("/v1/posts", json={"text": "traced"}, headers={**author.auth, "traceparent": traceparent})
    assert created.status_code == 200, created.text

    wait_for_sync(
        lambda: _seen(fetch_trace(traces_url, trace_id)),
        _complete,
        what=f"trace {trace_id} with the gateway's, the post service's and the timeline consumer's spans",
        within=30,
        interval=0.5,
    )
    spans = fetch_trace(traces_url, trace_id)
    by_id = {s["id"]: s for s in spans}
    consumer = next(s for s in spans if s.get("name") == "feedmesh.posts process")
    # the consumer's span hangs under the post service's span that published the event (through the outbox)
    assert by_id[consumer["parentId"]]["localEndpoint"]["serviceName"] == "feedmesh-post"
    server = next(
        s for s in spans if s["localEndpoint"]["serviceName"] == "feedmesh-post" and s.get("kind") == "SERVER"
    )
    assert by_id[server["parentId"]]["localEndpoint"]["serviceName"] == "feedmesh-gateway"
    # the post's insert, and the consumer's own writes, as client spans
    assert ("feedmesh-post", "CLIENT", "postgresql insert") in _seen(spans)
    assert any(service == "feedmesh-timeline" and kind == "CLIENT" for service, kind, _ in _seen(spans))


def test_the_slowest_feed_reads_are_one_query_away(
    client: httpx.Client, new_user: Callable[..., User], traces_url: str
) -> None:
    reader = new_user()
    trace_id, traceparent = _sampled_traceparent()
    assert client.get("/v1/feed", headers={**reader.auth, "traceparent": traceparent}).status_code == 200

    def ranked() -> list[str]:
        query = traces_query(FEED_READ, minutes=2, now_ms=int(time.time() * 1000))
        return [t.trace_id for t in slowest(fetch_traces(traces_url, query, timeout=5), FEED_READ, limit=1000)]

    wait_for_sync(
        ranked, lambda ids: trace_id in ids, what=f"feed read {trace_id} among the slowest", within=30, interval=0.5
    )
