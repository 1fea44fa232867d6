"""Reading the data lake (services/common/lake_layout.py) into Polars, for the batch jobs and the tests.

The object store is read with pyarrow's S3FileSystem (nothing to download at run time, unlike DuckDB's S3
extension) and scanned with pyarrow.dataset against the type's current schema: files written before a field existed
read as nulls there, and a column whose type was widened is cast. Rows are deduped on event_id (at-least-once
delivery, and a compaction caught half-way). The calls block: async callers run them in a thread.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import polars as pl
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from services.common.lake_layout import event_schema, parse_hour_dir, type_dir
from services.common.settings import S3Settings

log = logging.getLogger(__name__)

_ATTEMPTS = 3  # a listing may name a part that compaction deletes before it is read: list again, this many times


def s3_filesystem(
    endpoint: str, region: str, access_key: str, secret_key: str, timeout_seconds: float = 10.0
) -> pafs.S3FileSystem:
    scheme, _, host = endpoint.partition("://")
    return pafs.S3FileSystem(
        access_key=access_key,
        secret_key=secret_key,
        endpoint_override=host or endpoint,
        scheme=scheme if host else "https",
        region=region,
        connect_timeout=timeout_seconds,
        request_timeout=timeout_seconds,
    )


def filesystem(settings: S3Settings) -> pafs.S3FileSystem:
    """The S3 store a service's settings name (blocking: creating the client reads configuration from disk)."""
    return s3_filesystem(
        settings.s3_endpoint,
        settings.s3_region,
        settings.s3_access_key,
        settings.s3_secret_key,
        settings.s3_timeout_seconds,
    )


def list_files(fs: pafs.FileSystem, bucket: str, prefix: str) -> list[pafs.FileInfo]:
    """Every object under `prefix` (relative to the bucket), sorted by path; none when the prefix does not exist."""
    selector = pafs.FileSelector(f"{bucket}/{prefix}", recursive=True, allow_not_found=True)
    return sorted((i for i in fs.get_file_info(selector) if i.type == pafs.FileType.File), key=lambda i: i.path)


def event_files(
    fs: pafs.FileSystem, bucket: str, event_type: str, since: datetime | None = None, until: datetime | None = None
) -> list[str]:
    """The Parquet files of `event_type` whose hour overlaps [since, until)."""
    low = since.astimezone(UTC).replace(minute=0, second=0, microsecond=0) if since else None
    paths = []
    for info in list_files(fs, bucket, type_dir(event_type)):
        where = parse_hour_dir(info.path)
        if where is None or not info.path.endswith(".parquet"):
            continue
        if (low is not None and where.hour < low) or (until is not None and where.hour >= until):
            continue
        paths.append(info.path)
    return paths


def read_events(
    fs: pafs.FileSystem, bucket: str, event_type: str, since: datetime | None = None, until: datetime | None = None
) -> pl.DataFrame:
    """Every event of `event_type` that occurred in [since, until), once each, oldest first, with the columns of the
    current schema."""
    schema = event_schema(event_type)
    table = schema.empty_table()
    for attempt in range(_ATTEMPTS):
        paths = event_files(fs, bucket, event_type, since, until)
        try:
            table = pads.dataset(paths, schema=schema, filesystem=fs, format="parquet").to_table() if paths else table
            break
        except (FileNotFoundError, pa.ArrowInvalid, OSError) as exc:
            if attempt + 1 == _ATTEMPTS:
                raise
            log.info("a lake file went away while reading; listing again", extra={"error": str(exc)})
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    if since is not None:
        frame = frame.filter(pl.col("occur_time") >= since)
    if until is not None:
        frame = frame.filter(pl.col("occur_time") < until)
    return frame.unique(subset="event_id", keep="first", maintain_order=True).sort("occur_time", maintain_order=True)


def write_frame(fs: pafs.FileSystem, bucket: str, key: str, frame: pl.DataFrame) -> None:
    pq.write_table(frame.to_arrow(), f"{bucket}/{key}", filesystem=fs, compression="zstd")


def read_frame(fs: pafs.FileSystem, bucket: str, key: str) -> pl.DataFrame:
    frame = pl.from_arrow(pq.read_table(f"{bucket}/{key}", filesystem=fs))
    assert isinstance(frame, pl.DataFrame)
    return frame
