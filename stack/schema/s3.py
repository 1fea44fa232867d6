"""S3: the media bucket (FEEDMESH_S3_BUCKET), the data lake (FEEDMESH_LAKE_BUCKET) and the published ranking models
(FEEDMESH_MODELS_BUCKET)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from stack import clients
from stack.settings import StackSettings


def _ensure(client: Any, bucket: str) -> str:
    try:
        client.head_bucket(Bucket=bucket)
        return f"bucket {bucket} exists"
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
            raise
    client.create_bucket(Bucket=bucket)
    return f"bucket {bucket} created"


def apply(s: StackSettings) -> str:
    client = clients.s3_client(s)
    return "; ".join(_ensure(client, bucket) for bucket in (s.s3_bucket, s.lake_bucket, s.models_bucket))
