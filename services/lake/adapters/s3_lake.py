"""The lake bucket through pyarrow's S3FileSystem (the same client the readers use); its calls block, so each runs
in a thread."""

from __future__ import annotations

import asyncio
import contextlib

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from services.common.lake_reader import list_files


class S3Lake:
    def __init__(self, fs: pafs.FileSystem, bucket: str):
        self.fs = fs
        self.bucket = bucket

    def _path(self, key: str) -> str:
        return f"{self.bucket}/{key}"

    async def put_table(self, key: str, table: pa.Table) -> None:
        # zstd: the rows are ids and timestamps that compress well, and it decodes fast for the batch jobs.
        await asyncio.to_thread(pq.write_table, table, self._path(key), filesystem=self.fs, compression="zstd")

    async def read_table(self, key: str) -> pa.Table:
        return await asyncio.to_thread(pq.read_table, self._path(key), filesystem=self.fs)

    async def list_keys(self, prefix: str) -> list[str]:
        infos = await asyncio.to_thread(list_files, self.fs, self.bucket, prefix)
        return [info.path.removeprefix(f"{self.bucket}/") for info in infos]

    async def delete(self, keys: list[str]) -> None:
        def delete_all() -> None:
            for key in keys:
                with contextlib.suppress(FileNotFoundError):  # deleted already (a pass that stopped half-way)
                    self.fs.delete_file(self._path(key))

        await asyncio.to_thread(delete_all)

    async def get_text(self, key: str) -> str | None:
        def read() -> str | None:
            try:
                with self.fs.open_input_stream(self._path(key)) as stream:
                    return bytes(stream.read()).decode()
            except FileNotFoundError:
                return None

        return await asyncio.to_thread(read)

    async def put_text(self, key: str, text: str) -> None:
        def write() -> None:
            with self.fs.open_output_stream(self._path(key)) as stream:
                stream.write(text.encode())

        await asyncio.to_thread(write)
