"""The CDN role (media through the gateway's cache) and native gRPC through the same listener."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import grpc
import httpx
import pytest

from services.common.polling import wait_for_sync
from tests.e2e.conftest import Gateway, User

pytestmark = pytest.mark.e2e


def test_upload_through_the_presigned_url_then_cached_reads(
    client: httpx.Client, gateway: Gateway, new_user: Callable[..., User]
) -> None:
    user = new_user()
    data = secrets.token_bytes(64 * 1024)
    upload = client.post("/v1/media", json={"contentType": "image/png", "sizeBytes": len(data)}, headers=user.auth)
    assert upload.status_code == 200, upload.text
    ref, url = upload.json()["mediaRef"], upload.json()["uploadUrl"]
    assert upload.json()["expireTime"]
    put = httpx.put(url, content=data, headers={"content-type": "image/png"})
    assert put.status_code == 200, put.text

    store_before = gateway.stat("cluster.media_store.upstream_rq_total")
    first = client.get(f"/media/{ref}")  # public: no token
    assert first.status_code == 200 and first.content == data
    assert first.headers["content-type"] == "image/png"
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert not any(h.startswith("x-amz-") for h in first.headers)
    assert gateway.stat("cluster.media_store.upstream_rq_total") == store_before + 1

    second = client.get(f"/media/{ref}")
    assert second.status_code == 200 and second.content == data
    assert "age" in second.headers  # served from the cache
    assert gateway.stat("cluster.media_store.upstream_rq_total") == store_before + 1  # the store was not asked

    # a post may carry the uploaded ref
    post = client.post("/v1/posts", json={"text": "a picture", "mediaRefs": [ref]}, headers=user.auth)
    assert post.status_code == 200 and post.json()["mediaRefs"] == [ref]


def _upload(client: httpx.Client, user: User, data: bytes) -> str:
    upload = client.post("/v1/media", json={"contentType": "image/png", "sizeBytes": len(data)}, headers=user.auth)
    assert upload.status_code == 200, upload.text
    put = httpx.put(upload.json()["uploadUrl"], content=data, headers={"content-type": "image/png"})
    assert put.status_code == 200, put.text
    return str(upload.json()["mediaRef"])


def _bytes_in(directory: Path) -> int:
    """Bytes in the files of a directory; Envoy's eviction thread may delete one between listing and stat."""
    total = 0
    for entry in directory.iterdir():
        try:
            total += entry.stat().st_size
        except FileNotFoundError:
            continue
    return total


def test_the_media_cache_stays_within_its_size(
    client: httpx.Client,
    new_user: Callable[..., User],
    start_gateway: Callable[..., Gateway],
    tmp_path: Path,
) -> None:
    limit = 200_000
    small = start_gateway(FEEDMESH_MEDIA_CACHE_MAX_BYTES=str(limit))
    cache_dir = tmp_path / f"gateway-{small.port}" / "media-cache"
    user = new_user()
    # Six entries are about twice the limit; the spares are read while the cache is still over it, since Envoy
    # evicts when an entry is added (an addition that lands during an eviction pass can leave it over until the next).
    refs = [_upload(client, user, secrets.token_bytes(64 * 1024)) for _ in range(9)]
    fetched, spares = refs[:6], refs[6:]
    with httpx.Client(base_url=small.url, timeout=15) as cdn:
        for ref in fetched:
            assert cdn.get(f"/media/{ref}").status_code == 200

        def cached_bytes() -> int:
            used = _bytes_in(cache_dir)
            if used > limit and spares:
                fetched.append(spares.pop(0))
                assert cdn.get(f"/media/{fetched[-1]}").status_code == 200
            return used

        used = wait_for_sync(
            cached_bytes, lambda n: n <= limit, what=f"the media cache within {limit} bytes", within=15, interval=0.5
        )
        assert used > 0, "nothing cached"

        store_before = small.stat("cluster.media_store.upstream_rq_total")
        assert "age" in cdn.get(f"/media/{fetched[-1]}").headers  # the newest is still cached
        oldest = cdn.get(f"/media/{refs[0]}")
        assert oldest.status_code == 200 and "age" not in oldest.headers  # the oldest was evicted: fetched again
        assert small.stat("cluster.media_store.upstream_rq_total") == store_before + 1


def test_missing_media_is_json_404_and_not_cached(client: httpx.Client, gateway: Gateway) -> None:
    ref = f"m_{secrets.token_hex(16)}"
    for _ in range(2):
        reply = client.get(f"/media/{ref}")
        assert reply.status_code == 404
        assert reply.json()["code"] == 5 and reply.headers["cache-control"] == "no-store"
    assert client.post(f"/media/{ref}").status_code in (401, 404)  # only GET/HEAD are media reads


def test_media_upload_errors(client: httpx.Client, new_user: Callable[..., User]) -> None:
    user = new_user()
    reply = client.post("/v1/media", json={"contentType": "text/html", "sizeBytes": 10}, headers=user.auth)
    assert reply.status_code == 400 and reply.json()["code"] == 3


async def test_native_grpc_with_a_jwt_on_the_gateway_port(gateway: Gateway, new_user: Callable[..., User]) -> None:
    from feedmesh.auth.v1 import auth_service_pb2 as auth_pb2
    from feedmesh.auth.v1 import auth_service_pb2_grpc as auth_grpc
    from feedmesh.post.internal.v1 import post_internal_service_pb2 as post_internal_pb2
    from feedmesh.post.internal.v1 import post_internal_service_pb2_grpc as post_internal_grpc
    from feedmesh.post.v1 import post_service_pb2 as post_pb2
    from feedmesh.post.v1 import post_service_pb2_grpc as post_grpc

    user, other = new_user(), new_user()
    metadata = (("authorization", f"Bearer {user.token}"),)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{gateway.port}") as channel:
        posts = post_grpc.PostServiceStub(channel)
        # the forged identity header is stripped for gRPC callers too
        created = await posts.CreatePost(
            post_pb2.CreatePostRequest(text="over h2c"),
            metadata=(*metadata, ("x-feedmesh-user-id", str(other.id))),
            timeout=5,
        )
        assert created.author_id == user.id
        got = await posts.GetPost(post_pb2.GetPostRequest(post_id=created.id), metadata=metadata, timeout=5)
        assert got.text == "over h2c"

        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await posts.GetPost(post_pb2.GetPostRequest(post_id=created.id), timeout=5)
        assert failure.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await posts.CreatePost(post_pb2.CreatePostRequest(text=""), metadata=metadata, timeout=5)
        assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        # internal services are not exposed, even with a valid token
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await post_internal_grpc.PostInternalServiceStub(channel).BatchGetPosts(
                post_internal_pb2.BatchGetPostsRequest(post_ids=[created.id]), metadata=metadata
            )
        assert failure.value.code() == grpc.StatusCode.UNIMPLEMENTED
        # the public RPCs need no token
        jwks = await auth_grpc.AuthServiceStub(channel).GetJwks(auth_pb2.GetJwksRequest(), timeout=5)
        assert jwks.keys
