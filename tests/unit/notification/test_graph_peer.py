"""The graph adapter's visibility questions: one BatchCheckAudience per author and visibility for all of a batch's
viewers, and answers reused for a short while (a decision depends on the viewer, the author and the visibility
only)."""

from __future__ import annotations

from feedmesh.graph.internal.v1 import graph_internal_service_pb2

from services.common.clients import ChannelPool
from services.common.visibility import Visibility
from services.notification.adapters.peers import GraphPeer
from services.notification.app.ports import PostFacts


class FakeStub:
    def __init__(self) -> None:
        self.asked: list[tuple[int, list[int]]] = []

    async def BatchCheckAudience(
        self, request: graph_internal_service_pb2.BatchCheckAudienceRequest
    ) -> graph_internal_service_pb2.BatchCheckAudienceResponse:
        self.asked.append((request.post.author_id, list(request.viewer_ids)))
        return graph_internal_service_pb2.BatchCheckAudienceResponse(
            visible=[request.post.author_id != 2 or viewer != 10 for viewer in request.viewer_ids]
        )


async def peer(cache_seconds: float) -> tuple[GraphPeer, FakeStub]:
    channels = ChannelPool(default_timeout=1)
    graph = GraphPeer(channels, "127.0.0.1:1", cache_seconds=cache_seconds)
    await channels.close()
    stub = FakeStub()
    graph.stub = stub  # type: ignore[assignment]
    return graph, stub


async def test_one_call_per_author_and_visibility_and_answers_reused() -> None:
    graph, stub = await peer(cache_seconds=60)
    one, other = PostFacts(100, 1, Visibility.PUBLIC), PostFacts(200, 2, Visibility.PUBLIC)
    same_kind_as_one = PostFacts(101, 1, Visibility.PUBLIC)
    checks = [(10, one), (10, other), (11, one), (10, same_kind_as_one)]
    assert await graph.visible(checks) == {(10, 100), (11, 100), (10, 101)}
    # 100 and 101 are one question: same author, same visibility; both viewers of author 1 in one call
    assert sorted((author, sorted(viewers)) for author, viewers in stub.asked) == [(1, [10, 11]), (2, [10])]
    assert await graph.visible([(10, PostFacts(102, 1, Visibility.PUBLIC)), (10, other)]) == {(10, 102)}
    assert len(stub.asked) == 2, "asked again within the cache's time"
    assert await graph.visible([(10, PostFacts(103, 1, Visibility.FOLLOWERS))]) == {(10, 103)}
    assert len(stub.asked) == 3, "another visibility is another question"


async def test_no_cache_asks_every_time() -> None:
    graph, stub = await peer(cache_seconds=0)
    post = PostFacts(100, 1, Visibility.PUBLIC)
    await graph.visible([(10, post)])
    await graph.visible([(10, post)])
    assert len(stub.asked) == 2
