"""The counters converge to the exact recount of the rows: under concurrent like/unlike/retry storms checked
against a model, after Redis loses the keys, after a flush that fails halfway, and after a committed change that
never reached Redis (the process died between the two)."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from feedmesh.engagement.internal.v1 import engagement_internal_service_pb2 as internal_pb
from feedmesh.engagement.internal.v1 import engagement_internal_service_pb2_grpc as internal_pb_grpc
from feedmesh.engagement.v1 import engagement_service_pb2 as pb
from feedmesh.engagement.v1 import engagement_service_pb2_grpc as pb_grpc

from services.common.polling import wait_for, wait_until
from tests.integration.engagement.conftest import Mesh, as_user, keyed, start_replica
from tests.integration.engagement.counters import converged, drop_cached


async def like(mesh: Mesh, user: int, post: int, key: str | None = None) -> pb.LikePostResponse:
    metadata = keyed(user, key) if key else as_user(user)
    return await mesh.engagement.LikePost(pb.LikePostRequest(post_id=post), metadata=metadata)


async def unlike(mesh: Mesh, user: int, post: int, key: str | None = None) -> pb.UnlikePostResponse:
    metadata = keyed(user, key) if key else as_user(user)
    return await mesh.engagement.UnlikePost(pb.UnlikePostRequest(post_id=post), metadata=metadata)


async def test_storm_of_likes_unlikes_and_retries_matches_the_model(
    mesh: Mesh, pg_conn: Any, redis_client: Any
) -> None:
    rng = random.Random(23)
    author = await mesh.new_user()
    users = [await mesh.new_user() for _ in range(24)]
    hot, *others = [await mesh.new_post(author) for _ in range(3)]
    posts = [hot, *others]
    model: dict[int, set[int]] = {p: set() for p in posts}

    async def one_user(user: int) -> None:
        for step in range(12):
            post = hot if rng.random() < 0.6 else rng.choice(others)
            want = rng.random() < 0.6
            key = f"{user}-{step}"
            op = like if want else unlike
            if rng.random() < 0.3:  # a double tap and a retry, at once: all idempotent
                answers = await asyncio.gather(
                    op(mesh, user, post, key), op(mesh, user, post, key), op(mesh, user, post)
                )
                assert answers[0] == answers[1]  # one key, one answer
            elif rng.random() < 0.2:  # like and unlike racing: the outcome is either; the next step decides
                await asyncio.gather(like(mesh, user, post), unlike(mesh, user, post))
                await op(mesh, user, post)
            else:
                answer = await op(mesh, user, post, key)
                assert answer.liked is want and 0 <= answer.like_count <= len(users)
                assert await op(mesh, user, post, key) == answer  # a retry: the first answer
            (model[post].add if want else model[post].discard)(user)

    await asyncio.gather(*(one_user(u) for u in users))

    seen = await converged(mesh, pg_conn, redis_client, posts, cached=True)
    for post in posts:
        assert seen.liker_rows[post] == model[post] == seen.liker_sets[post]
        assert seen.recount[post][0] == len(model[post])
    # likedByMe for every user and post, from whichever side serves it
    for user in users:
        stats = await mesh.stats(user, posts)
        assert [s.liked_by_viewer for s in stats] == [user in model[p] for p in posts]
        assert [s.like_count for s in stats] == [len(model[p]) for p in posts]


async def test_counts_survive_redis_losing_the_keys(mesh: Mesh, pg_conn: Any, redis_client: Any) -> None:
    author = await mesh.new_user()
    users = [await mesh.new_user() for _ in range(5)]
    post = await mesh.new_post(author)
    for user in users[:3]:
        await like(mesh, user, post)
    await mesh.engagement.SharePost(pb.SharePostRequest(post_id=post), metadata=as_user(users[0]))
    await mesh.engagement.CreateComment(pb.CreateCommentRequest(post_id=post, text="hey"), metadata=as_user(users[1]))
    seen = await converged(mesh, pg_conn, redis_client, [post])
    assert seen.recount[post] == (3, 1, 1)
    await converged(mesh, pg_conn, redis_client, [post], cached=True)

    drop_cached(redis_client, [post])  # a Redis restart, as far as this post is concerned
    assert (await like(mesh, users[3], post)).like_count == 4  # answered from PostgreSQL while not cached
    [stats] = await mesh.stats(users[3], [post])
    assert (stats.like_count, stats.liked_by_viewer) == (4, True)
    await unlike(mesh, users[0], post)
    seen = await converged(mesh, pg_conn, redis_client, [post], cached=True)
    assert seen.recount[post] == (3, 1, 1) and seen.liker_sets[post] == {users[1], users[2], users[3]}


async def test_a_committed_like_that_never_reached_redis_is_repaired(
    mesh: Mesh, pg_conn: Any, redis_client: Any
) -> None:
    author, fan, ghost = await mesh.new_user(), await mesh.new_user(), await mesh.new_user()
    post = await mesh.new_post(author)
    await like(mesh, fan, post)
    await converged(mesh, pg_conn, redis_client, [post], cached=True)
    # What a process killed between its commit and its Redis apply leaves behind: the row and its +1, no apply.
    async with pg_conn.transaction():
        await pg_conn.execute("INSERT INTO engagement.likes (post_id, user_id) VALUES ($1, $2)", post, ghost)
        await pg_conn.execute("INSERT INTO engagement.counter_changes (post_id, likes) VALUES ($1, 1)", post)
    seen = await converged(mesh, pg_conn, redis_client, [post], cached=True)
    assert seen.recount[post][0] == 2 and seen.liker_rows[post] == {fan, ghost} == seen.liker_sets[post]
    [stats] = await mesh.stats(ghost, [post])
    assert (stats.like_count, stats.liked_by_viewer) == (2, True)


async def test_a_flush_that_fails_halfway_loses_and_doubles_nothing(
    mesh: Mesh, pg_conn: Any, redis_client: Any, stack_settings: Any
) -> None:
    from stack import clients

    author = await mesh.new_user()
    users = [await mesh.new_user() for _ in range(6)]
    posts = [await mesh.new_post(author) for _ in range(3)]
    await converged(mesh, pg_conn, redis_client, posts)  # nothing pending for them
    blocker = await clients.pg_connect(stack_settings)
    try:
        # Hold the counter row of the last post: the flush deletes its batch and upserts the first posts' counters,
        # then waits on this row; killing it there fails it halfway through.
        await pg_conn.execute("INSERT INTO engagement.post_counters (post_id) VALUES ($1)", posts[-1])
        blocking = blocker.transaction()
        await blocking.start()
        await blocker.execute("SELECT 1 FROM engagement.post_counters WHERE post_id = $1 FOR UPDATE", posts[-1])
        for user in users:
            for post in posts:
                await like(mesh, user, post)

        async def stuck_flushers() -> list[int]:
            rows = await pg_conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE '%engagement.counter_changes%' AND query LIKE '%post_counters%'"
            )
            return [r["pid"] for r in rows]

        def some(found: list[int]) -> bool:
            return len(found) > 0

        pids = await wait_for(stuck_flushers, some, what="a flush waiting on the held counter row")
        for pid in pids:
            await pg_conn.execute("SELECT pg_terminate_backend($1)", pid)
        await blocking.rollback()
    finally:
        await blocker.close()
    seen = await converged(mesh, pg_conn, redis_client, posts)
    assert all(seen.recount[p] == (6, 0, 0) for p in posts)


async def test_drift_and_flush_lag_metrics_are_published(mesh: Mesh, pg_conn: Any, redis_client: Any) -> None:
    from prometheus_client import REGISTRY

    author, fan = await mesh.new_user(), await mesh.new_user()
    post = await mesh.new_post(author)
    await like(mesh, fan, post)
    await converged(mesh, pg_conn, redis_client, [post])

    def sample(name: str, **labels: str) -> float | None:
        return REGISTRY.get_sample_value(name, labels)

    await wait_until(lambda: sample("feedmesh_engagement_counter_drift", kind="likes") == 0.0, what="drift 0")
    assert sample("feedmesh_engagement_flush_lag_seconds") is not None


async def test_concurrent_identical_comments_are_stored_once(mesh: Mesh, pg_conn: Any, redis_client: Any) -> None:
    author, fan = await mesh.new_user(), await mesh.new_user()
    post = await mesh.new_post(author)
    request = pb.CreateCommentRequest(post_id=post, text="same words")
    made = await asyncio.gather(*(mesh.engagement.CreateComment(request, metadata=as_user(fan)) for _ in range(5)))
    assert len({c.id for c in made}) == 1
    seen = await converged(mesh, pg_conn, redis_client, [post])
    assert seen.recount[post] == (0, 1, 0)


async def test_a_replica_without_redis_answers_from_postgresql_and_the_cache_is_repaired(
    mesh: Mesh, pg_conn: Any, redis_client: Any
) -> None:
    """Redis down for one replica (pointed at a port where nothing listens, not by stopping the shared Redis): its
    writes and reads are answered from PostgreSQL, and the other replica's cached counts, which missed the change,
    are dropped by the sweep and rebuilt."""
    author, fan, other = await mesh.new_user(), await mesh.new_user(), await mesh.new_user()
    post = await mesh.new_post(author)
    await like(mesh, other, post)
    await converged(mesh, pg_conn, redis_client, [post], cached=True)
    async with start_replica(mesh, redis_url="redis://127.0.0.1:1/0") as channel:
        stub, internal = pb_grpc.EngagementServiceStub(channel), internal_pb_grpc.EngagementInternalServiceStub(channel)
        liked = await stub.LikePost(pb.LikePostRequest(post_id=post), metadata=as_user(fan))
        assert (liked.liked, liked.like_count) == (True, 2)
        response = await internal.BatchGetPostStats(
            internal_pb.BatchGetPostStatsRequest(viewer_id=fan, post_ids=[post])
        )
        assert (response.stats[0].like_count, response.stats[0].liked_by_viewer) == (2, True)
    seen = await converged(mesh, pg_conn, redis_client, [post], cached=True)
    assert seen.liker_rows[post] == {fan, other} == seen.liker_sets[post]
    [stats] = await mesh.stats(fan, [post])
    assert (stats.like_count, stats.liked_by_viewer) == (2, True)
