"""The opt-in heap diagnostic: off unless asked, and its snapshots name the site that grew."""

from __future__ import annotations

import asyncio
import gc
import os
import re
import signal
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import heap_compare
from services.common import heap_trace
from services.common.settings import ServerSettings, SettingsError, load_settings


@pytest.fixture
def tracing() -> Iterator[None]:
    was_tracing = tracemalloc.is_tracing()
    heap_trace.start(4)
    yield
    if not was_tracing:
        tracemalloc.stop()


def grow(kept: list[bytes], n: int) -> None:
    kept.extend(bytes(1000) + i.to_bytes(4, "big") for i in range(n))  # the site the snapshots should name


def test_off_by_default_and_frames_checked_when_on() -> None:
    assert load_settings(ServerSettings, {}).heap_trace is False
    on = load_settings(ServerSettings, {"FEEDMESH_HEAP_TRACE": "1", "FEEDMESH_HEAP_TRACE_FRAMES": "12"})
    assert (on.heap_trace, on.heap_trace_frames) == (True, 12)
    with pytest.raises(SettingsError, match="FEEDMESH_HEAP_TRACE_FRAMES"):
        load_settings(ServerSettings, {"FEEDMESH_HEAP_TRACE": "1", "FEEDMESH_HEAP_TRACE_FRAMES": "0"})


def test_a_snapshot_and_its_summary_are_written(tmp_path: Path, tracing: None) -> None:
    kept: list[bytes] = []
    grow(kept, 2000)
    files = heap_trace.write_snapshot(tmp_path, "unit")
    assert files.snapshot.name.startswith(f"unit-{os.getpid()}-")
    text = files.summary.read_text()
    assert text.startswith("rss_bytes ")
    assert "traced_bytes " in text
    largest = re.split(r"\n(?=\d+ bytes in)", text.split("\n\n", 1)[1])[0]
    assert "test_heap_trace.py" in largest
    assert tracemalloc.Snapshot.load(str(files.snapshot)).statistics("filename")


def test_the_comparison_names_the_site_that_grew(tmp_path: Path, tracing: None) -> None:
    kept: list[bytes] = []
    older = heap_trace.write_snapshot(tmp_path / "a", "unit").snapshot
    grow(kept, 3000)
    newer = heap_trace.write_snapshot(tmp_path / "b", "unit").snapshot
    top = heap_compare.growth(tracemalloc.Snapshot.load(str(older)), tracemalloc.Snapshot.load(str(newer)))[0]
    assert top.size_diff > 3000 * 1000
    assert top.count_diff >= 3000
    assert any("test_heap_trace.py" in line for line in top.where)


def assert_written(files: heap_trace.HeapSnapshotFiles) -> None:
    assert files.summary.read_text().startswith("rss_bytes ")
    assert tracemalloc.Snapshot.load(str(files.snapshot)).traces


async def test_sigusr1_writes_a_snapshot_without_stopping_the_loop(tmp_path: Path) -> None:
    was_tracing = tracemalloc.is_tracing()
    snapshots = heap_trace.install("unit", 4, str(tmp_path))
    try:
        os.kill(os.getpid(), signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while snapshots.writing is None or not snapshots.writing.done():
            assert time.monotonic() < deadline, "no snapshot written within 10 s"
            await asyncio.sleep(0.01)
        files = snapshots.writing.result()
        assert files is not None
        assert_written(files)
    finally:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGUSR1)
        if not was_tracing:
            tracemalloc.stop()


def test_garbage_in_cycles_is_collected_before_the_snapshot_and_reported(tracing: None) -> None:
    gc.disable()
    try:
        for _ in range(1000):
            node: dict[str, object] = {"payload": bytes(2000)}
            node["self"] = node  # freed only by the cycle collector
        del node
        collected = heap_trace.collect()
    finally:
        gc.enable()
    assert collected.objects >= 1000
    assert collected.traced_before - collected.traced_after > 1000 * 2000


class Node:
    """A type to find among the collected objects."""

    def __init__(self) -> None:
        self.payload = bytes(2000)
        self.me = self  # freed only by the cycle collector


def test_the_collection_counts_what_it_freed_by_type(tmp_path: Path, tracing: None) -> None:
    gc.disable()
    try:
        for _ in range(500):
            Node()
        collected = heap_trace.collect()
    finally:
        gc.enable()
    assert (f"{__name__}.Node", 500) in collected.kinds
    assert not gc.garbage  # freed, not kept
    text = heap_trace.summary(tracemalloc.take_snapshot(), collected)
    assert f"collected 500 {__name__}.Node" in text
