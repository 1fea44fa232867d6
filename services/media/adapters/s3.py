"""The object store through boto3 (S3 API, path-style addressing, signature v4). boto3 is a blocking client:
every call runs in a worker thread, off the event loop."""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from services.common.errors import Unavailable

_MISSING = {"404", "NoSuchKey", "NotFound"}


def make_client(
    endpoint: str, region: str, access_key: str, secret_key: str, *, max_connections: int, timeout_seconds: float
) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(
            s3={"addressing_style": "path"},
            signature_version="s3v4",
            connect_timeout=timeout_seconds,
            read_timeout=timeout_seconds,
            retries={"max_attempts": 2, "mode": "standard"},
            max_pool_connections=max_connections,
        ),
    )


class S3ObjectStore:
    def __init__(self, client: Any, bucket: str, *, presigner: Any = None):
        """`presigner`: a client configured with the endpoint clients use, when that is not the service's own
        (a presigned URL is signed for its host)."""
        self._client = client
        self._presigner = presigner or client
        self._bucket = bucket

    async def presign_put(self, key: str, content_type: str, size_bytes: int, ttl_seconds: int) -> str:
        url: str = await asyncio.to_thread(
            self._presigner.generate_presigned_url,
            "put_object",
            Params={"Bucket": self._bucket, "Key": key, "ContentType": content_type, "ContentLength": size_bytes},
            ExpiresIn=ttl_seconds,
            HttpMethod="PUT",
        )
        return url

    def _head(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self._bucket, Key=key)
            return True
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in _MISSING:
                return False
            raise Unavailable("the object store did not answer", reason="OBJECT_STORE_UNAVAILABLE") from exc
        except BotoCoreError as exc:
            raise Unavailable("the object store did not answer", reason="OBJECT_STORE_UNAVAILABLE") from exc

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._head, key)
