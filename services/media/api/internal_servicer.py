"""feedmesh.media.internal.v1.MediaInternalService (what other services ask of media): proto in, use case, proto
out. Nothing else."""

from __future__ import annotations

import grpc
from feedmesh.media.internal.v1 import media_internal_service_pb2 as pb
from feedmesh.media.internal.v1 import media_internal_service_pb2_grpc as pb_grpc

from services.media.app.uploads import MediaUseCases

INTERNAL_SERVICE_NAME = "feedmesh.media.internal.v1.MediaInternalService"


class MediaInternalServicer(pb_grpc.MediaInternalServiceServicer):
    def __init__(self, media: MediaUseCases):
        self.media = media

    async def BatchCheckMedia(
        self, request: pb.BatchCheckMediaRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchCheckMediaResponse:
        return pb.BatchCheckMediaResponse(exists=await self.media.check_media(list(request.media_refs)))

    async def AttachMedia(
        self, request: pb.AttachMediaRequest, context: grpc.aio.ServicerContext
    ) -> pb.AttachMediaResponse:
        return pb.AttachMediaResponse(attached=await self.media.attach_media(list(request.media_refs)))
