"""feedmesh.media.v1.MediaService: proto in, use case, proto out. Nothing else."""

from __future__ import annotations

import grpc
from feedmesh.media.v1 import media_service_pb2, media_service_pb2_grpc
from google.protobuf import timestamp_pb2

from services.common import identity
from services.media.app.uploads import MediaUseCases


class MediaServicer(media_service_pb2_grpc.MediaServiceServicer):
    def __init__(self, media: MediaUseCases):
        self.media = media

    async def CreateUpload(
        self, request: media_service_pb2.CreateUploadRequest, context: grpc.aio.ServicerContext
    ) -> media_service_pb2.CreateUploadResponse:
        identity.caller_id(context)  # public: only an authenticated caller may reserve an upload
        upload = await self.media.create_upload(request.content_type, request.size_bytes)
        expire = timestamp_pb2.Timestamp()
        expire.FromDatetime(upload.expire_time)
        return media_service_pb2.CreateUploadResponse(
            media_ref=upload.media_ref, upload_url=upload.upload_url, expire_time=expire
        )
