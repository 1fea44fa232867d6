"""LakeService: proto <-> the Flush use case."""

from __future__ import annotations

import grpc
from feedmesh.lake.internal.v1 import lake_service_pb2 as pb
from feedmesh.lake.internal.v1 import lake_service_pb2_grpc as pb_grpc

from services.lake.app.flush import Flush

SERVICE_NAME = "feedmesh.lake.internal.v1.LakeService"


class LakeServicer(pb_grpc.LakeServiceServicer):
    def __init__(self, flush: Flush):
        self.flush = flush

    async def Flush(self, request: pb.FlushRequest, context: grpc.aio.ServicerContext) -> pb.FlushResponse:
        result = await self.flush()
        return pb.FlushResponse(
            events_written=result.events_written,
            files_written=result.files_written,
            offsets_through=result.offsets_through,
        )
