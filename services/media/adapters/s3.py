"""The object store through boto3 (the client: services.common.s3). boto3 is a blocking client:
every call runs in a worker thread, off the event loop."""

from __future__ import annotations

import asyncio
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.common.errors import Unavailable

_MISSING = {"404", "NoSuchKey", "NotFound"}


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

    def _delete(self, keys: list[str]) -> None:
        try:
            for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1000 keys
                batch = [{"Key": key} for key in keys[start : start + 1000]]
                answer = self._client.delete_objects(Bucket=self._bucket, Delete={"Objects": batch, "Quiet": True})
                failed = [e for e in answer.get("Errors", []) if str(e.get("Code")) not in _MISSING]
                if failed:
                    raise Unavailable(f"the object store refused {len(failed)} deletions", reason="OBJECT_STORE_ERROR")
        except (ClientError, BotoCoreError) as exc:
            raise Unavailable("the object store did not answer", reason="OBJECT_STORE_UNAVAILABLE") from exc

    async def delete(self, keys: list[str]) -> None:
        """Deletes these objects (one missing already counts as deleted); raises when the store cannot."""
        if keys:
            await asyncio.to_thread(self._delete, keys)
