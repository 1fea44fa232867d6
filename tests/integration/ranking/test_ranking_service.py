"""RankingService.ScorePosts against the real Redis and S3 store: the cold-start heuristic, a published model
picked up and hot-swapped without a restart, a model with other features refused, features read from Redis (and
then from the in-process cache), experiments from the reloaded file."""

from __future__ import annotations

import random
import time
from typing import Any

import grpc
import pytest
from feedmesh.ranking.internal.v1 import ranking_service_pb2 as pb
from prometheus_client import REGISTRY

from services.common import redis_keys
from services.common.polling import wait_for
from services.common.ranking_features import AFFINITY, AUTHOR, FEATURE_NAMES, POST, pack
from tests.integration.ranking.conftest import ModelShelf, Ranking, train

HOUR_NS = 3_600_000_000_000


def new_id() -> int:
    return random.randrange(10**15, 10**16)


def candidate(post_id: int, author_id: int, age_hours: float, likes: int = 0) -> pb.RankingCandidate:
    c = pb.RankingCandidate(post_id=post_id, author_id=author_id, like_count=likes)
    c.create_time.FromNanoseconds(time.time_ns() - int(age_hours * HOUR_NS))
    return c


def request(viewer: int, *candidates: pb.RankingCandidate, experiment: str = "") -> pb.ScorePostsRequest:
    return pb.ScorePostsRequest(viewer_id=viewer, candidates=list(candidates), experiment=experiment)


def liked_author(redis_client: Any, viewer: int, author: int, likes: float) -> None:
    """The feature job's view: the viewer liked `likes` of the author's posts in the last 30 days."""
    affinity = [0.0] * len(AFFINITY)
    affinity[AFFINITY.index("aff_likes_30d")] = likes
    key = redis_keys.ranking_affinity(viewer)
    redis_client.hset(key, str(author), pack(affinity))
    redis_client.expire(key, 600)
    redis_client.set(redis_keys.ranking_author(author), pack([0.1] * len(AUTHOR)), ex=600)


def cache_lookups(result: str) -> float:
    return REGISTRY.get_sample_value("feedmesh_ranking_feature_cache_total", {"result": result}) or 0.0


async def test_cold_start_scores_by_the_heuristic_newest_first(ranking: Ranking) -> None:
    viewer, author = new_id(), new_id()
    r = await ranking.stub.ScorePosts(
        request(viewer, candidate(1, author, 30), candidate(2, author, 0.1), candidate(3, author, 5)), timeout=2
    )
    assert (r.model_version, r.fallback, r.experiment) == ("heuristic", True, "")
    assert r.scores[1] > r.scores[2] > r.scores[0]


async def test_a_published_model_is_used_then_hot_swapped_and_one_with_other_features_is_refused(
    ranking: Ranking, shelf: ModelShelf, redis_client: Any
) -> None:
    viewer, fan_of, other = new_id(), new_id(), new_id()
    liked_author(redis_client, viewer, fan_of, 9.0)
    batch = request(viewer, candidate(new_id(), other, 0.1), candidate(new_id(), fan_of, 20))

    shelf.publish("r20261207T000001Z", train("aff_likes_30d"))

    async def version() -> str:
        return str((await ranking.stub.ScorePosts(batch, timeout=2)).model_version)

    await wait_for(version, lambda v: v == "r20261207T000001Z", what="the first model in use", within=10)
    r = await ranking.stub.ScorePosts(batch, timeout=2)
    assert not r.fallback
    assert r.scores[1] > r.scores[0]  # the affinity read from Redis outweighs recency for this model

    shelf.publish("r20261207T000002Z", train("age_hours"))
    await wait_for(version, lambda v: v == "r20261207T000002Z", what="the newer model in use", within=10)
    in_use = {
        v: REGISTRY.get_sample_value("feedmesh_ranking_model_info", {"version": v})
        for v in ("r20261207T000001Z", "r20261207T000002Z")
    }
    assert in_use == {"r20261207T000001Z": 0.0, "r20261207T000002Z": 1.0}
    r = await ranking.stub.ScorePosts(batch, timeout=2)
    assert r.scores[1] > r.scores[0]  # this one likes old posts: age 20 h over 0.1 h

    refused_before = REGISTRY.get_sample_value("feedmesh_ranking_model_loads_total", {"outcome": "refused"}) or 0.0
    shelf.publish("r20261207T000003Z", train("age_hours"), feature_names=list(reversed(FEATURE_NAMES)))

    def refused() -> float:
        return REGISTRY.get_sample_value("feedmesh_ranking_model_loads_total", {"outcome": "refused"}) or 0.0

    await wait_for(refused, lambda n: n > refused_before, what="the model with other features refused", within=10)
    assert await version() == "r20261207T000002Z"


async def test_features_come_from_redis_once_then_from_the_cache(ranking: Ranking, redis_client: Any) -> None:
    viewer, author = new_id(), new_id()
    liked_author(redis_client, viewer, author, 3.0)
    redis_client.set(redis_keys.ranking_post(77), pack([0.5] * len(POST)), ex=600)
    batch = request(viewer, candidate(77, author, 1), candidate(new_id(), author, 2))
    misses, hits = cache_lookups("miss"), cache_lookups("hit")
    await ranking.stub.ScorePosts(batch, timeout=2)
    # One affinity (viewer, author), one author, two posts.
    assert (cache_lookups("miss") - misses, cache_lookups("hit") - hits) == (4, 0)
    await ranking.stub.ScorePosts(batch, timeout=2)
    assert (cache_lookups("miss") - misses, cache_lookups("hit") - hits) == (4, 4)


async def test_experiments_from_the_reloaded_file_assign_stable_arms(ranking: Ranking) -> None:
    viewers = [new_id() for _ in range(40)]
    author = new_id()
    ranking.experiments_file.write_text(
        '[[experiment]]\nname = "cold"\n'
        '[[experiment.arm]]\nname = "heuristic"\nshare = 0.5\nmodel = "heuristic"\n'
        '[[experiment.arm]]\nname = "newest"\nshare = 0.5\nmodel = "latest"\n'
    )

    async def arms() -> list[str]:
        return [
            (await ranking.stub.ScorePosts(request(v, candidate(1, author, 1)), timeout=2)).experiment for v in viewers
        ]

    first = await wait_for(arms, lambda got: all(got), what="every viewer in an arm of the reloaded file", within=10)
    assert set(first) == {"cold/heuristic", "cold/newest"}
    assert await arms() == first
    forced = await ranking.stub.ScorePosts(request(viewers[0], candidate(1, author, 1), experiment="cold/heuristic"))
    assert (forced.experiment, forced.model_version, forced.fallback) == ("cold/heuristic", "heuristic", False)

    def invalid_reloads() -> float:
        return REGISTRY.get_sample_value("feedmesh_ranking_experiment_reloads_total", {"outcome": "invalid"}) or 0.0

    invalid_before = invalid_reloads()
    ranking.experiments_file.write_text("[[experiment]\nbroken")
    await wait_for(invalid_reloads, lambda n: n > invalid_before, what="the broken file read and ignored", within=10)
    assert await arms() == first
    ranking.experiments_file.write_text("")
    await wait_for(arms, lambda got: not any(got), what="no experiment once the file is emptied", within=10)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await ranking.stub.ScorePosts(request(viewers[0], candidate(1, author, 1), experiment="cold/heuristic"))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_an_invalid_create_time_is_invalid_argument(ranking: Ranking) -> None:
    """protobuf refuses to convert an out-of-range timestamp: the caller's mistake, not an INTERNAL."""
    for seconds, nanos in ((0, -1), (0, 2_000_000_000), (2**62, 0)):
        bad = candidate(new_id(), new_id(), 1)
        bad.create_time.seconds, bad.create_time.nanos = seconds, nanos
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await ranking.stub.ScorePosts(request(new_id(), bad))
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT, (seconds, nanos)
