"""S3: the media bucket (FEEDMESH_S3_BUCKET)."""

from __future__ import annotations

from botocore.exceptions import ClientError

from stack import clients
from stack.settings import StackSettings


def apply(s: StackSettings) -> str:
    client = clients.s3_client(s)
    try:
        client.head_bucket(Bucket=s.s3_bucket)
        return f"bucket {s.s3_bucket} exists"
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
            raise
    client.create_bucket(Bucket=s.s3_bucket)
    return f"bucket {s.s3_bucket} created"
