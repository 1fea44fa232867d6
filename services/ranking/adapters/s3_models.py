"""Published models in the S3 store (services.common.ranking_models layout), through boto3 in worker threads (a
blocking client). A bucket or pointer that does not exist yet means no model is published: the cold start."""

from __future__ import annotations

import asyncio
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.common.ranking_models import LATEST_POINTER, metadata_key, model_key
from services.ranking.app.ports import ModelsUnavailable, PublishedModel

_MISSING = {"404", "NoSuchKey", "NoSuchBucket", "NotFound"}


class S3ModelStore:
    """Implements app.ports.ModelStore."""

    def __init__(self, client: Any, bucket: str):
        self.client = client
        self.bucket = bucket

    def _text(self, key: str) -> str | None:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            try:
                return str(body.read().decode())
            finally:
                body.close()
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in _MISSING:
                return None
            raise ModelsUnavailable(f"s3 {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise ModelsUnavailable(f"s3 {key}: {exc}") from exc

    async def latest_version(self) -> str | None:
        text = await asyncio.to_thread(self._text, LATEST_POINTER)
        if text is None or not text.strip():
            return None
        return text.strip()

    async def fetch(self, version: str) -> PublishedModel:
        model_text, metadata_json = await asyncio.gather(
            asyncio.to_thread(self._text, model_key(version)), asyncio.to_thread(self._text, metadata_key(version))
        )
        if model_text is None or metadata_json is None:
            raise ModelsUnavailable(f"model {version} is named but its objects are missing")
        return PublishedModel(version, model_text, metadata_json)
