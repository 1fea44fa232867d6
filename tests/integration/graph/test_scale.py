"""Latency of the internal RPCs at realistic sizes: ListFollowerIds of a 10k-follower author (cold and from the
Redis set) and BatchCheckVisibility of 200 candidates from 100 authors. Prints the numbers (pytest -s) and checks
generous bounds, so a regression to one query per follower or per candidate fails loudly."""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from feedmesh.graph.internal.v1 import graph_internal_service_pb2 as internal_pb
from feedmesh.graph.v1 import graph_service_pb2 as pb
from feedmesh.post.v1 import visibility_pb2

from services.common import redis_keys
from tests.integration.graph.conftest import Mesh, as_user

FOLLOWERS = 10_000
RUNS = 20


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, n={len(ordered)}"


async def test_follower_ids_of_a_10k_follower_author(mesh: Mesh, pg_conn: Any, redis_client: Any) -> None:
    author = await mesh.new_user()
    base = random.randrange(10**17, 10**18)
    followers = [base + n for n in range(FOLLOWERS)]
    # Bulk-load the follows as the service would have written them (rows and counts), then start cold.
    async with pg_conn.transaction():
        await pg_conn.execute(
            "INSERT INTO graph.follows (follower_id, followee_id) SELECT f, $2 FROM unnest($1::bigint[]) AS f",
            followers,
            author,
        )
        await pg_conn.execute(
            "INSERT INTO graph.user_counts (user_id, follower_count, following_count)"
            " SELECT f, 0, 1 FROM unnest($1::bigint[]) AS f",
            followers,
        )
        await pg_conn.execute(
            "INSERT INTO graph.user_counts (user_id, follower_count, following_count) VALUES ($1, $2, 0)",
            author,
            FOLLOWERS,
        )
    redis_client.delete(redis_keys.graph_followers(author), redis_keys.graph_counts(author))

    began = time.perf_counter()
    first = await mesh.graph_internal.ListFollowerIds(internal_pb.ListFollowerIdsRequest(author_id=author))
    cold = time.perf_counter() - began
    assert list(first.follower_ids) == followers[:1000]
    assert first.follower_count == FOLLOWERS

    warm: list[float] = []
    for _ in range(RUNS):
        began = time.perf_counter()
        page = await mesh.graph_internal.ListFollowerIds(internal_pb.ListFollowerIdsRequest(author_id=author))
        warm.append(time.perf_counter() - began)
    assert list(page.follower_ids) == followers[:1000]

    began = time.perf_counter()
    seen: list[int] = []
    cursor = ""
    while True:
        page = await mesh.graph_internal.ListFollowerIds(
            internal_pb.ListFollowerIdsRequest(author_id=author, cursor=cursor)
        )
        seen += page.follower_ids
        cursor = page.next_cursor
        if not cursor:
            break
    full = time.perf_counter() - began
    assert seen == followers

    big = internal_pb.ListFollowerIdsRequest(author_id=author, limit=10_000)
    began = time.perf_counter()
    assert len((await mesh.graph_internal.ListFollowerIds(big)).follower_ids) == FOLLOWERS
    one_page = time.perf_counter() - began

    print(
        f"\nListFollowerIds, {FOLLOWERS} followers: cold first page (loads and caches the set) {cold * 1000:.1f} ms;"
        f" cached page of 1000: {_ms(warm)}; all 10 pages of 1000: {full * 1000:.1f} ms;"
        f" one page of 10000: {one_page * 1000:.1f} ms"
    )
    assert statistics.median(warm) < 0.1


async def test_batch_check_visibility_of_200_candidates(mesh: Mesh, redis_client: Any) -> None:
    viewer = await mesh.new_user()
    public = await mesh.new_users(70)
    private = await mesh.new_users(30, private=True)
    for author in public[:35]:
        await mesh.graph.FollowUser(pb.FollowUserRequest(user_id=author), metadata=as_user(viewer))
    for author in private[:15]:
        await mesh.graph.FollowUser(pb.FollowUserRequest(user_id=author), metadata=as_user(viewer))
        await mesh.graph.ApproveFollowRequest(pb.ApproveFollowRequestRequest(user_id=viewer), metadata=as_user(author))
    for author in public[20:50]:
        await mesh.graph.AddCloseFriend(pb.AddCloseFriendRequest(user_id=viewer), metadata=as_user(author))
    for author in public[60:]:
        await mesh.graph.BlockUser(pb.BlockUserRequest(user_id=viewer), metadata=as_user(author))
    visibilities = [visibility_pb2.PUBLIC, visibility_pb2.FOLLOWERS, visibility_pb2.CLOSE_FRIENDS]
    authors = public + private
    request = internal_pb.BatchCheckVisibilityRequest(
        viewer_id=viewer,
        candidates=[
            internal_pb.VisibilityCandidate(post_id=n + 1, author_id=authors[n % 100], visibility=visibilities[n % 3])
            for n in range(200)
        ],
    )
    redis_client.delete(*[redis_keys.graph_profile(a) for a in authors])
    began = time.perf_counter()
    first = await mesh.graph_internal.BatchCheckVisibility(request)
    cold = time.perf_counter() - began
    warm: list[float] = []
    for _ in range(RUNS):
        began = time.perf_counter()
        response = await mesh.graph_internal.BatchCheckVisibility(request)
        warm.append(time.perf_counter() - began)
    assert list(response.visible) == list(first.visible)
    assert len(response.visible) == 200
    assert 0 < sum(response.visible) < 200
    print(
        f"\nBatchCheckVisibility, 200 candidates from 100 authors: cold profile cache {cold * 1000:.1f} ms;"
        f" warm: {_ms(warm)}"
    )
    assert statistics.median(warm) < 0.1
