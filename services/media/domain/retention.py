"""How long an upload may wait for a post before it is swept (docs/retention.md, services/media/app/sweep.py).

A client uploads, then creates the post that names the media; an upload no post attached within the retention is
deleted with its object. The retention must leave the client time to use its presigned URL (valid for the upload
TTL) and then to post: at least the upload TTL plus an hour. A swept upload's row is kept a day (far longer than
any attach takes) so that an attach that checked the object just before the sweep deleted it finds it swept.
"""

from __future__ import annotations

import datetime as dt

DEFAULT_RETENTION_SECONDS = 86_400
MIN_TIME_TO_POST_SECONDS = 3600
SWEPT_ROWS_KEPT = dt.timedelta(days=1)


def check_retention(retention_seconds: int, upload_ttl_seconds: int) -> None:
    """Raises ValueError when uploads could be swept before a client had time to upload and post."""
    least = upload_ttl_seconds + MIN_TIME_TO_POST_SECONDS
    if retention_seconds < least:
        raise ValueError(f"must be at least the upload TTL plus an hour ({least} s), got {retention_seconds}")


def sweep_before(now: dt.datetime, retention_seconds: int) -> dt.datetime:
    """Uploads handed out before this, still not attached, are swept."""
    return now - dt.timedelta(seconds=retention_seconds)


def forget_swept_before(now: dt.datetime) -> dt.datetime:
    """Rows of uploads swept before this may go."""
    return now - SWEPT_ROWS_KEPT
