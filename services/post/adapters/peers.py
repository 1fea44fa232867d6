"""gRPC clients of the services the post service calls, on the process's shared ChannelPool (one channel per
target, a deadline on every call). A failed call raises grpc.aio.AioRpcError, which the server interceptor turns
into UNAVAILABLE (or INTERNAL), except for engagement counts, which degrade to zero instead."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import grpc
from feedmesh.auth.internal.v1 import auth_internal_service_pb2, auth_internal_service_pb2_grpc
from feedmesh.engagement.internal.v1 import engagement_internal_service_pb2, engagement_internal_service_pb2_grpc
from feedmesh.graph.internal.v1 import graph_internal_service_pb2, graph_internal_service_pb2_grpc
from feedmesh.media.internal.v1 import media_internal_service_pb2, media_internal_service_pb2_grpc
from prometheus_client import Counter

from services.common.clients import ChannelPool
from services.common.errors import Unavailable
from services.post.domain.model import PostStats, VisibilityQuery

log = logging.getLogger(__name__)

STATS_DEGRADED = Counter(
    "feedmesh_post_stats_degraded_total",
    "Post reads answered with zero engagement counts because the engagement service was not reachable",
    ["reason"],
)


def _require(target: str, what: str) -> str:
    if not target:
        raise Unavailable(f"the {what} service is not configured", reason="DEPENDENCY_UNAVAILABLE")
    return target


class AuthUserDirectory:
    """Resolves @handles through AuthInternalService.BatchGetUsersByHandle."""

    def __init__(self, pool: ChannelPool, target: str):
        self._pool = pool
        self._target = target

    async def ids_by_handle(self, handles: Sequence[str]) -> dict[str, int]:
        if not handles:
            return {}
        stub = auth_internal_service_pb2_grpc.AuthInternalServiceStub(
            self._pool.channel(_require(self._target, "auth"))
        )
        response = await stub.BatchGetUsersByHandle(
            auth_internal_service_pb2.BatchGetUsersByHandleRequest(handles=handles)
        )
        return {user.handle.lower(): user.id for user in response.users}


class GraphVisibility:
    """Asks GraphInternalService.BatchCheckVisibility, one call per question batch."""

    def __init__(self, pool: ChannelPool, target: str):
        self._pool = pool
        self._target = target

    async def visible(self, viewer_id: int, queries: Sequence[VisibilityQuery]) -> list[bool]:
        if not queries:
            return []
        stub = graph_internal_service_pb2_grpc.GraphInternalServiceStub(
            self._pool.channel(_require(self._target, "graph"))
        )
        request = graph_internal_service_pb2.BatchCheckVisibilityRequest(
            viewer_id=viewer_id,
            candidates=[
                graph_internal_service_pb2.VisibilityCandidate(
                    post_id=q.post_id,
                    author_id=q.author_id,
                    visibility=int(q.visibility),  # type: ignore[arg-type]
                )
                for q in queries
            ],
        )
        response = await stub.BatchCheckVisibility(request)
        if len(response.visible) != len(queries):
            raise RuntimeError(f"graph answered {len(response.visible)} decisions for {len(queries)} candidates")
        return list(response.visible)


class MediaChecker:
    """Attaches uploads with MediaInternalService.AttachMedia (whether refs name uploaded objects, now kept)."""

    def __init__(self, pool: ChannelPool, target: str):
        self._pool = pool
        self._target = target

    async def attach(self, refs: Sequence[str]) -> list[bool]:
        if not refs:
            return []
        stub = media_internal_service_pb2_grpc.MediaInternalServiceStub(
            self._pool.channel(_require(self._target, "media"))
        )
        response = await stub.AttachMedia(media_internal_service_pb2.AttachMediaRequest(media_refs=refs))
        if len(response.attached) != len(refs):
            raise RuntimeError(f"media answered {len(response.attached)} decisions for {len(refs)} refs")
        return list(response.attached)


class EngagementStats:
    """Counts from EngagementInternalService.BatchGetPostStats. Counts are a decoration of a read: when the service is
    not configured or the call fails, reads go on with zero counts, and the degradation shows in a metric
    (feedmesh_post_stats_degraded_total) and in one warning per reason."""

    def __init__(self, pool: ChannelPool, target: str, timeout_seconds: float):
        self._pool = pool
        self._target = target
        self._timeout = timeout_seconds
        self._warned: set[str] = set()

    def _degraded(self, reason: str, detail: str) -> dict[int, PostStats]:
        STATS_DEGRADED.labels(reason).inc()
        if reason not in self._warned:
            self._warned.add(reason)
            log.warning(
                "engagement counts unavailable: answering with zero counts",
                extra={"reason": reason, "detail": detail, "target": self._target},
            )
        return {}

    async def stats(self, viewer_id: int, post_ids: Sequence[int]) -> dict[int, PostStats]:
        if not post_ids:
            return {}
        if not self._target:
            return self._degraded("not_configured", "FEEDMESH_ENGAGEMENT_TARGET is empty")
        stub = engagement_internal_service_pb2_grpc.EngagementInternalServiceStub(self._pool.channel(self._target))
        try:
            response = await stub.BatchGetPostStats(
                engagement_internal_service_pb2.BatchGetPostStatsRequest(viewer_id=viewer_id, post_ids=post_ids),
                timeout=self._timeout,
            )
        except grpc.aio.AioRpcError as exc:
            return self._degraded(exc.code().name.lower(), exc.details() or "")
        return {
            s.post_id: PostStats(
                like_count=s.like_count,
                comment_count=s.comment_count,
                share_count=s.share_count,
                liked_by_viewer=s.liked_by_viewer,
            )
            for s in response.stats
        }
