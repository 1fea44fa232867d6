"""The lake (read with services/common/lake_reader.py, training sets written beside the events) and the models
bucket (services/common/ranking_models.py), through pyarrow's S3FileSystem; its calls block, so they run in
threads."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

import polars as pl
import pyarrow.fs as pafs

from services.common.lake_layout import DATASETS_PREFIX
from services.common.lake_reader import read_events, write_frame
from services.common.ranking_models import LATEST_POINTER, MODELS_PREFIX, metadata_key, model_key


def _subdirectories(fs: pafs.FileSystem, path: str) -> list[str]:
    """The names of the directories (S3: prefixes) right under `path`."""
    infos = fs.get_file_info(pafs.FileSelector(path, allow_not_found=True))
    return [info.base_name for info in infos if info.type == pafs.FileType.Directory]


class S3LakeFrames:
    def __init__(self, fs: pafs.FileSystem, bucket: str):
        self.fs = fs
        self.bucket = bucket

    async def read(self, event_types: Sequence[str], since: datetime, until: datetime) -> dict[str, pl.DataFrame]:
        frames = await asyncio.gather(
            *(asyncio.to_thread(read_events, self.fs, self.bucket, kind, since, until) for kind in event_types)
        )
        return dict(zip(event_types, frames, strict=True))

    async def write(self, key: str, frame: pl.DataFrame) -> None:
        await asyncio.to_thread(write_frame, self.fs, self.bucket, key, frame)

    async def dataset_runs(self) -> list[str]:
        return await asyncio.to_thread(_subdirectories, self.fs, f"{self.bucket}/{DATASETS_PREFIX}")

    async def delete_datasets(self, run_ids: Sequence[str]) -> None:
        for run_id in run_ids:
            await asyncio.to_thread(self.fs.delete_dir, f"{self.bucket}/{DATASETS_PREFIX}/{run_id}")


class S3Models:
    def __init__(self, fs: pafs.FileSystem, bucket: str):
        self.fs = fs
        self.bucket = bucket

    def _put(self, key: str, text: str) -> None:
        with self.fs.open_output_stream(f"{self.bucket}/{key}") as stream:
            stream.write(text.encode())

    async def publish(self, version: str, model_text: str, metadata_json: str) -> None:
        await asyncio.to_thread(self._put, model_key(version), model_text)
        await asyncio.to_thread(self._put, metadata_key(version), metadata_json)
        # Last: the ranking service loads what the pointer names, so it never sees a half-published model.
        await asyncio.to_thread(self._put, LATEST_POINTER, version)

    async def versions(self) -> list[str]:
        return await asyncio.to_thread(_subdirectories, self.fs, f"{self.bucket}/{MODELS_PREFIX}")

    def _read_latest(self) -> str | None:
        try:
            with self.fs.open_input_stream(f"{self.bucket}/{LATEST_POINTER}") as stream:
                return bytes(stream.read()).decode().strip() or None
        except FileNotFoundError:
            return None

    async def latest(self) -> str | None:
        return await asyncio.to_thread(self._read_latest)

    async def delete(self, versions: Sequence[str]) -> None:
        for version in versions:
            await asyncio.to_thread(self.fs.delete_dir, f"{self.bucket}/{MODELS_PREFIX}/{version}")
