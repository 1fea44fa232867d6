"""A real engagement process (`python -m services.engagement`, as `make up` starts it) killed with SIGKILL in the
middle of a like storm, then started again: every acknowledged like is stored and counted exactly once, and every
counter converges to the recount of the rows."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from typing import Any

import grpc
from feedmesh.engagement.internal.v1 import engagement_internal_service_pb2 as internal_pb
from feedmesh.engagement.internal.v1 import engagement_internal_service_pb2_grpc as internal_pb_grpc
from feedmesh.engagement.v1 import engagement_service_pb2 as pb
from feedmesh.engagement.v1 import engagement_service_pb2_grpc as pb_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.polling import wait_until
from stack.settings import ROOT
from tests.integration.engagement.conftest import FAST, UNGUARDED, Mesh, as_user, free_port
from tests.integration.engagement.counters import converged


def start_process(mesh: Mesh, address: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **mesh.stack.values,
        "PYTHONPATH": f"{ROOT / 'gen'}:{ROOT}",
        "FEEDMESH_LISTEN_ADDRESS": address,
        "FEEDMESH_METRICS_PORT": "0",
        "FEEDMESH_POST_TARGET": mesh.post_address,
        "FEEDMESH_GRAPH_TARGET": mesh.graph_address,
        **{f"FEEDMESH_{k.upper()}": str(v) for k, v in {**FAST, **UNGUARDED}.items()},
    }
    return subprocess.Popen(
        [sys.executable, "-m", "services.engagement"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def serving(channel: grpc.aio.Channel) -> bool:
    try:
        reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
    except grpc.aio.AioRpcError:
        return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


async def test_sigkill_mid_storm_loses_no_acknowledged_like(mesh: Mesh, pg_conn: Any, redis_client: Any) -> None:
    author = await mesh.new_user()
    users = [await mesh.new_user() for _ in range(40)]
    posts = [await mesh.new_post(author) for _ in range(2)]
    address = f"127.0.0.1:{free_port()}"
    process = start_process(mesh, address)
    channel = grpc.aio.insecure_channel(address)
    stub = pb_grpc.EngagementServiceStub(channel)
    internal = internal_pb_grpc.EngagementInternalServiceStub(channel)
    acknowledged: set[tuple[int, int]] = set()
    attempted: set[tuple[int, int]] = set()
    try:
        await wait_until(lambda: serving(channel), what="the engagement process serving", within=60)
        await internal.BatchGetPostStats(internal_pb.BatchGetPostStatsRequest(post_ids=posts))  # cache the posts

        async def like_all(user: int) -> None:
            for post in posts:
                attempted.add((user, post))
                try:
                    await stub.LikePost(pb.LikePostRequest(post_id=post), metadata=as_user(user), timeout=10)
                except grpc.aio.AioRpcError:
                    continue  # the process died under it: the like may or may not have been stored
                acknowledged.add((user, post))

        storm = [asyncio.create_task(like_all(u)) for u in users]
        await wait_until(lambda: len(acknowledged) >= 20, what="20 likes acknowledged", within=60)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        await asyncio.gather(*storm)
        assert len(acknowledged) < len(attempted), "the storm ended before the kill: nothing was in flight"

        process = start_process(mesh, address)
        await wait_until(lambda: serving(channel), what="the engagement process serving again", within=60)
        seen = await converged(mesh, pg_conn, redis_client, posts, cached=True, within=30)
        stored = {(user, post) for post in posts for user in seen.liker_rows[post]}
        assert acknowledged <= stored, "an acknowledged like was lost"
        assert stored <= attempted
        # the restarted process serves the same counts as the recount
        reply = await internal.BatchGetPostStats(internal_pb.BatchGetPostStatsRequest(post_ids=posts))
        assert [s.like_count for s in reply.stats] == [seen.recount[p][0] for p in posts]
    finally:
        await channel.close()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
