"""MediaService against the real object store (S3 API of the stack), started in-process on port 0."""

from __future__ import annotations

import asyncio
import datetime as dt
import urllib.error
import urllib.request
from collections.abc import AsyncIterator

import grpc
import pytest
from feedmesh.media.internal.v1 import media_internal_service_pb2 as internal_pb
from feedmesh.media.internal.v1 import media_internal_service_pb2_grpc as internal_pb_grpc
from feedmesh.media.v1 import media_service_pb2 as pb
from feedmesh.media.v1 import media_service_pb2_grpc as pb_grpc

from services.common.polling import wait_for
from services.media.domain.uploads import new_media_ref
from services.media.settings import MediaSettings
from services.media.wiring import build
from stack.settings import StackSettings
from tests.integration.harness import apply_migrations, start_service

CALLER = (("x-feedmesh-user-id", "42"),)
MAX_BYTES = 4096


@pytest.fixture(scope="module")
async def media_channel(stack_settings: StackSettings) -> AsyncIterator[grpc.aio.Channel]:
    await apply_migrations(stack_settings, below=60)  # up to the media range, 0050-0059
    server, address = await start_service(build, MediaSettings, stack_settings, media_max_bytes=MAX_BYTES)
    channel = grpc.aio.insecure_channel(address)
    yield channel
    await channel.close()
    await server.stop(grace=0)


@pytest.fixture(scope="module")
def media(media_channel: grpc.aio.Channel) -> pb_grpc.MediaServiceStub:
    return pb_grpc.MediaServiceStub(media_channel)


@pytest.fixture(scope="module")
def media_internal(media_channel: grpc.aio.Channel) -> internal_pb_grpc.MediaInternalServiceStub:
    return internal_pb_grpc.MediaInternalServiceStub(media_channel)


def refused(status: int) -> bool:
    return status == 403


def put(url: str, body: bytes, content_type: str, host: str | None = None) -> int:
    headers = {"Content-Type": content_type, **({"Host": host} if host else {})}
    request = urllib.request.Request(url, data=body, method="PUT", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


async def test_upload_through_the_presigned_url_then_check(
    media: pb_grpc.MediaServiceStub, media_internal: internal_pb_grpc.MediaInternalServiceStub
) -> None:
    body = b"\x89PNG\r\n\x1a\n" + b"x" * 100
    before = dt.datetime.now(dt.UTC)
    upload = await media.CreateUpload(
        pb.CreateUploadRequest(content_type="image/png", size_bytes=len(body)), metadata=CALLER
    )
    assert upload.media_ref.startswith("m_") and len(upload.media_ref) == 34
    assert upload.upload_url.startswith("http://127.0.0.1:") and "X-Amz-Signature=" in upload.upload_url
    expires = upload.expire_time.ToDatetime(tzinfo=dt.UTC)
    assert dt.timedelta(seconds=899) <= expires - before <= dt.timedelta(seconds=905)

    unknown = new_media_ref()
    checked = await media_internal.BatchCheckMedia(
        internal_pb.BatchCheckMediaRequest(media_refs=[upload.media_ref, unknown])
    )
    assert list(checked.exists) == [False, False]  # nothing uploaded yet

    assert await asyncio.to_thread(put, upload.upload_url, body, "image/png") == 200
    checked = await media_internal.BatchCheckMedia(
        internal_pb.BatchCheckMediaRequest(
            media_refs=[upload.media_ref, unknown, "../etc/passwd", "", upload.media_ref]
        )
    )
    assert list(checked.exists) == [True, False, False, False, True]


async def test_the_url_only_takes_the_announced_type_and_size(
    media: pb_grpc.MediaServiceStub, media_internal: internal_pb_grpc.MediaInternalServiceStub
) -> None:
    upload = await media.CreateUpload(pb.CreateUploadRequest(content_type="image/jpeg", size_bytes=10), metadata=CALLER)
    assert await asyncio.to_thread(put, upload.upload_url, b"0123456789", "image/png") == 403
    assert await asyncio.to_thread(put, upload.upload_url, b"0123456789ab", "image/jpeg") in (400, 403)
    checked = await media_internal.BatchCheckMedia(internal_pb.BatchCheckMediaRequest(media_refs=[upload.media_ref]))
    assert list(checked.exists) == [False]


async def test_every_supported_type_gets_a_url(media: pb_grpc.MediaServiceStub) -> None:
    refs = set()
    for kind in ["image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"]:
        upload = await media.CreateUpload(
            pb.CreateUploadRequest(content_type=kind, size_bytes=MAX_BYTES), metadata=CALLER
        )
        refs.add(upload.media_ref)
    assert len(refs) == 5


@pytest.mark.parametrize(
    ("kind", "size", "message"),
    [
        ("image/svg+xml", 10, "content type 'image/svg+xml' is not supported"),
        ("", 10, "is not supported"),
        ("image/png", 0, "size_bytes must be at least 1"),
        ("image/png", MAX_BYTES + 1, f"over the limit of {MAX_BYTES} bytes"),
    ],
)
async def test_refused_uploads(media: pb_grpc.MediaServiceStub, kind: str, size: int, message: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await media.CreateUpload(pb.CreateUploadRequest(content_type=kind, size_bytes=size), metadata=CALLER)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in (info.value.details() or "")


async def test_create_upload_needs_a_caller(media: pb_grpc.MediaServiceStub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await media.CreateUpload(pb.CreateUploadRequest(content_type="image/png", size_bytes=1))
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_check_takes_at_most_100_refs(media_internal: internal_pb_grpc.MediaInternalServiceStub) -> None:
    assert list((await media_internal.BatchCheckMedia(internal_pb.BatchCheckMediaRequest())).exists) == []
    many = [new_media_ref() for _ in range(100)]
    assert (
        list((await media_internal.BatchCheckMedia(internal_pb.BatchCheckMediaRequest(media_refs=many))).exists)
        == [False] * 100
    )
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await media_internal.BatchCheckMedia(internal_pb.BatchCheckMediaRequest(media_refs=[*many, new_media_ref()]))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_an_expired_url_is_refused(stack_settings: StackSettings) -> None:
    server, address = await start_service(build, MediaSettings, stack_settings, media_upload_ttl_seconds=1)
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = pb_grpc.MediaServiceStub(channel)
            upload = await stub.CreateUpload(
                pb.CreateUploadRequest(content_type="image/gif", size_bytes=3), metadata=CALLER
            )

            async def status_of_a_put() -> int:
                status = await asyncio.to_thread(put, upload.upload_url, b"GIF", "image/gif")
                assert status in (200, 403), f"PUT answered {status}"  # stored until the expiry, refused after it
                return status

            await wait_for(
                status_of_a_put, refused, what="the store refusing the URL once its 1 s TTL is over", interval=0.2
            )
    finally:
        await server.stop(grace=0)


async def test_upload_urls_are_signed_for_the_public_endpoint(stack_settings: StackSettings) -> None:
    """Behind a public host name (a proxy that keeps the Host header), the URL names that host and the store
    accepts it; sent with the store's own host instead, the signature does not match."""
    public = "http://media.feedmesh.test:8443"
    server, address = await start_service(build, MediaSettings, stack_settings, s3_public_endpoint=public)
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            upload = await pb_grpc.MediaServiceStub(channel).CreateUpload(
                pb.CreateUploadRequest(content_type="image/png", size_bytes=3), metadata=CALLER
            )
    finally:
        await server.stop(grace=0)
    assert upload.upload_url.startswith(f"{public}/")
    internal = stack_settings.s3_endpoint.rstrip("/") + upload.upload_url.removeprefix(public)
    host = public.removeprefix("http://")
    assert await asyncio.to_thread(put, internal, b"PNG", "image/png") == 403  # signed for another host
    assert await asyncio.to_thread(put, internal, b"PNG", "image/png", host) == 200  # as a proxy forwards it
