"""The media service's composition root: one boto3 client and one PostgreSQL pool for the process, the use cases,
the sweep of unattached uploads, the servicer."""

from __future__ import annotations

import asyncio
from typing import Any

from feedmesh.media.internal.v1 import media_internal_service_pb2_grpc
from feedmesh.media.v1 import media_service_pb2_grpc

from services.common import postgres
from services.common.periodic import PeriodicTask
from services.common.s3 import make_client
from services.common.server import GrpcServer, ServiceBinding
from services.media.adapters.postgres import PgUploads
from services.media.adapters.s3 import S3ObjectStore
from services.media.api.internal_servicer import INTERNAL_SERVICE_NAME, MediaInternalServicer
from services.media.api.servicer import MediaServicer
from services.media.app.sweep import UploadSweep
from services.media.app.uploads import MediaUseCases
from services.media.settings import MediaSettings

SERVICE_NAME = "feedmesh.media.v1.MediaService"


async def build(settings: MediaSettings) -> GrpcServer:
    def client_for(endpoint: str) -> Any:
        return make_client(
            endpoint,
            settings.s3_region,
            settings.s3_access_key,
            settings.s3_secret_key,
            max_connections=settings.media_check_concurrency,
            timeout_seconds=settings.s3_timeout_seconds,
        )

    # Creating a boto3 client reads its data files from disk: keep that off the event loop too.
    client = await asyncio.to_thread(client_for, settings.s3_endpoint)
    public = settings.s3_public_endpoint
    presigner = await asyncio.to_thread(client_for, public) if public and public != settings.s3_endpoint else None
    store = S3ObjectStore(client, settings.s3_bucket, presigner=presigner)
    pool = await postgres.create_pool(settings.pg_dsn)
    uploads = PgUploads(pool)
    sweep = UploadSweep(uploads, store, settings.media_unattached_retention_seconds)
    sweeping = PeriodicTask("media-upload-sweep", sweep.run_once, settings.media_sweep_seconds).start()
    media = MediaUseCases(
        store=store,
        uploads=uploads,
        max_bytes=settings.media_max_bytes,
        upload_ttl_seconds=settings.media_upload_ttl_seconds,
        check_concurrency=settings.media_check_concurrency,
    )
    servicer = MediaServicer(media)
    internal = MediaInternalServicer(media)
    # The public service (routed by the gateway) and the internal one (other services only) share the process.
    server = GrpcServer(
        settings=settings,
        bindings=[
            ServiceBinding(
                SERVICE_NAME, lambda s: media_service_pb2_grpc.add_MediaServiceServicer_to_server(servicer, s)
            ),
            ServiceBinding(
                INTERNAL_SERVICE_NAME,
                lambda s: media_internal_service_pb2_grpc.add_MediaInternalServiceServicer_to_server(internal, s),
            ),
        ],
    )

    async def close_client() -> None:
        await asyncio.to_thread(client.close)
        if presigner is not None:
            await asyncio.to_thread(presigner.close)

    server.add_closer(close_client)  # closers run in reverse: the sweep stops first, then the pool, then S3
    server.add_closer(pool.close)
    server.add_closer(sweeping.stop)
    return server
