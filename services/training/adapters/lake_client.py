"""The lake service's Flush, over gRPC."""

from __future__ import annotations

import grpc
from feedmesh.lake.internal.v1 import lake_service_pb2 as pb
from feedmesh.lake.internal.v1 import lake_service_pb2_grpc as pb_grpc

from services.common.errors import Unavailable


class LakeClient:
    def __init__(self, target: str, timeout_seconds: float):
        self.target = target
        self.timeout_seconds = timeout_seconds

    async def flush(self) -> int:
        async with grpc.aio.insecure_channel(self.target) as channel:
            try:
                answer = await pb_grpc.LakeServiceStub(channel).Flush(pb.FlushRequest(), timeout=self.timeout_seconds)
            except grpc.aio.AioRpcError as exc:
                raise Unavailable(
                    f"the lake service at {self.target} did not flush ({exc.code().name}: {exc.details()})",
                    reason="LAKE_FLUSH_FAILED",
                ) from None
        return int(answer.events_written)
