"""The media bucket's policy: anyone may GetObject, nothing else (no listing, no writes). The gateway reads media
anonymously for `GET /media/{ref}`; uploads stay presigned by the media service. A media ref is 128 random bits,
so a readable object cannot be found by guessing or listing.

The bucket's CORS rules let the pages the gateway serves (the web app at /, same origin as the API) and the
FEEDMESH_CORS_ORIGINS PUT to a presigned upload URL, which points at the store, another origin.

    python -m gateway.media_policy          # applies it (idempotent); `make up` runs it before starting Envoy
"""

from __future__ import annotations

import json
import sys

from botocore.exceptions import BotoCoreError, ClientError

from stack import clients
from stack.settings import StackSettings, load_settings


def public_read_policy(bucket: str) -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "FeedmeshGatewayReadsMedia",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }


def upload_cors(settings: StackSettings) -> dict[str, object]:
    """PUT (the presigned upload) from the gateway's own origins and the configured browser origins."""
    port = settings["FEEDMESH_GATEWAY_PORT"]
    origins = [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    origins += [o.strip() for o in settings.values.get("FEEDMESH_CORS_ORIGINS", "").split(",") if o.strip()]
    return {
        "CORSRules": [
            {
                "AllowedOrigins": sorted(set(origins)),
                "AllowedMethods": ["PUT"],
                "AllowedHeaders": ["content-type"],
                "MaxAgeSeconds": 600,
            }
        ]
    }


def apply(settings: StackSettings) -> str:
    client = clients.s3_client(settings)
    client.put_bucket_cors(Bucket=settings.s3_bucket, CORSConfiguration=upload_cors(settings))
    wanted = public_read_policy(settings.s3_bucket)
    try:
        current = json.loads(client.get_bucket_policy(Bucket=settings.s3_bucket)["Policy"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchBucketPolicy":
            raise
        current = None
    if current == wanted:
        return f"bucket {settings.s3_bucket}: public-read policy and upload CORS in place"
    client.put_bucket_policy(Bucket=settings.s3_bucket, Policy=json.dumps(wanted))
    return f"bucket {settings.s3_bucket}: public-read policy and upload CORS applied"


def main() -> int:
    try:
        print(apply(load_settings()))
    except (BotoCoreError, ClientError, KeyError) as exc:
        print(f"gateway: cannot set the media bucket's policy: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
