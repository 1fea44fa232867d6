"""Schema evolution and compaction on the real S3: files of an older and a newer writer read together under the
current schema; a closed hour's parts merge into one file, each event once, and a late event is merged next pass."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq

from services.common.lake_layout import hour_dir
from services.common.lake_reader import list_files, read_events
from services.lake.adapters.s3_lake import S3Lake
from services.lake.app.compaction import Compactor
from tests.integration.kafka_reading import end_offsets, rewind_group
from tests.integration.lake.archiving import copies, start
from tests.integration.lake.conftest import TOPIC, LakeEnv, event


def shown(when: datetime, n: int) -> list:
    return [
        event("feed_impression", when, viewer_id=5, post_id=n + i, author_id=6, experiment="exp/a", page_id="q")
        for i in range(10)
    ]


async def test_schema_evolution_and_compaction(lake_env: LakeEnv) -> None:
    group = lake_env.group()
    await asyncio.to_thread(
        rewind_group, lake_env.stack, group, await asyncio.to_thread(end_offsets, lake_env.stack, TOPIC)
    )
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=5)
    store = S3Lake(lake_env.fs, lake_env.lake_bucket)
    running = await start(lake_env, group, store)
    try:
        first, second = shown(hour + timedelta(minutes=1), 0), shown(hour + timedelta(minutes=2), 100)
        await lake_env.publish(first)
        await running.flush()
        await lake_env.publish(second)
        await running.flush()

        where = hour_dir("feed_impression", hour)
        # An older writer: no experiment, post_create_time, has_media or score yet, and viewer_id as int32; a newer
        # one: a field this build's proto does not know (dwell_ms).
        older = pa.table(
            {
                "event_id": ["old-1", "old-2"],
                "occur_time": pa.array([hour, hour], pa.timestamp("us", tz="UTC")),
                "kafka_partition": pa.array([9, 9], pa.int32()),
                "kafka_offset": [1, 2],
                "viewer_id": pa.array([5, 5], pa.int32()),
                "post_id": [900, 901],
                "author_id": [6, 6],
                "position": pa.array([0, 1], pa.int32()),
                "mode": ["chronological", "chronological"],
            }
        )
        newer = pa.table(
            {
                "event_id": ["new-1"],
                "occur_time": pa.array([hour], pa.timestamp("us", tz="UTC")),
                "viewer_id": [5],
                "post_id": [902],
                "dwell_ms": [1500],
            }
        )
        for name, table in (("part-older.parquet", older), ("part-newer.parquet", newer)):
            await asyncio.to_thread(
                pq.write_table, table, f"{lake_env.lake_bucket}/{where}/{name}", filesystem=lake_env.fs
            )

        ids = {e.event_id for e in first + second} | {"old-1", "old-2", "new-1"}

        async def read() -> dict[str, dict]:
            frame = await asyncio.to_thread(
                read_events, lake_env.fs, lake_env.lake_bucket, "feed_impression", hour, hour + timedelta(hours=1)
            )
            return {row["event_id"]: row for row in frame.iter_rows(named=True) if row["event_id"] in ids}

        rows = await read()
        assert set(rows) == ids
        assert rows["old-1"]["experiment"] is None and rows["old-1"]["viewer_id"] == 5
        assert rows["new-1"]["post_id"] == 902 and "dwell_ms" not in rows["new-1"]
        assert {rows[e.event_id]["experiment"] for e in first} == {"exp/a"}

        compactor = Compactor(store, grace=timedelta(minutes=10))
        assert await compactor.compact() >= 1
        files = [i.path.rsplit("/", 1)[-1] for i in list_files(lake_env.fs, lake_env.lake_bucket, where)]
        assert files == ["compacted.parquet"]
        assert await read() == rows
        assert set((await copies(lake_env, ["feed_impression"], ids)).values()) == {1}
        compacted = await asyncio.to_thread(
            pq.read_table, f"{lake_env.lake_bucket}/{where}/compacted.parquet", filesystem=lake_env.fs
        )
        assert "dwell_ms" in compacted.schema.names  # compaction keeps what a newer writer added

        late = shown(hour + timedelta(minutes=59), 500)[:1]
        ids.add(late[0].event_id)
        await lake_env.publish(late)
        await running.flush()
        assert await compactor.compact() >= 1
        assert [i.path.rsplit("/", 1)[-1] for i in list_files(lake_env.fs, lake_env.lake_bucket, where)] == [
            "compacted.parquet"
        ]
        assert set(await read()) == ids
        assert await compactor.compact() == 0  # nothing left to do
    finally:
        await running.stop()


async def test_hours_past_the_retention_are_dropped_by_the_compaction_timer(lake_env: LakeEnv) -> None:
    """On the real S3: the timer's pass deletes every file of an hour older than the retention, keeps the others,
    and then compacts what is left."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    store = S3Lake(lake_env.fs, lake_env.lake_bucket)
    old, recent = now - timedelta(days=120), now - timedelta(hours=3)
    table = pa.table({"event_id": ["r-1"], "occur_time": pa.array([old], pa.timestamp("us", tz="UTC"))})
    written = {
        "old compacted": f"{hour_dir('post_shared', old)}/compacted.parquet",
        "old part": f"{hour_dir('post_shared', old)}/part-late.parquet",
        "recent part": f"{hour_dir('post_shared', recent)}/part-r.parquet",
    }
    for key in written.values():
        await asyncio.to_thread(pq.write_table, table, f"{lake_env.lake_bucket}/{key}", filesystem=lake_env.fs)

    compactor = Compactor(store, grace=timedelta(minutes=10), retention=timedelta(days=90))
    await compactor.upkeep()
    left = set(await store.list_keys(hour_dir("post_shared", old)))
    assert left == set(), left
    recent_files = {key.rsplit("/", 1)[-1] for key in await store.list_keys(hour_dir("post_shared", recent))}
    assert recent_files == {"compacted.parquet"}  # compacted, not dropped
    assert await compactor.expire() == 0
