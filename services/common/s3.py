"""The S3 client every service uses for the object store (path-style addressing, signature v4: what the Versity
gateway and most S3-compatible stores expect). boto3 is a blocking client: call it from worker threads."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config


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
