"""Uploads no post attached within the retention are swept from the object store and PostgreSQL, attached ones stay,
and an attach racing the sweep never leaves a post naming deleted media (services/media/app/sweep.py). Real S3 (the
stack's media bucket) and PostgreSQL; the sweep runs with a clock moved past the retention."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from services.media.adapters.postgres import PgUploads
from services.media.adapters.s3 import S3ObjectStore
from services.media.app.sweep import UploadSweep
from services.media.app.uploads import MediaUseCases
from services.media.domain.retention import DEFAULT_RETENTION_SECONDS
from stack import clients
from stack.settings import StackSettings
from tests.integration.harness import apply_migrations

LATER = dt.timedelta(seconds=DEFAULT_RETENTION_SECONDS + 60)


class Rig:
    def __init__(self, pool: asyncpg.Pool, s3: Any, bucket: str):
        self.pool, self.s3, self.bucket = pool, s3, bucket
        self.store = S3ObjectStore(s3, bucket)
        self.uploads = PgUploads(pool)
        self.media = MediaUseCases(self.store, self.uploads, max_bytes=100, upload_ttl_seconds=900, check_concurrency=4)

    def sweep(self, at: dt.datetime, batch: int = 500) -> UploadSweep:
        return UploadSweep(self.uploads, self.store, DEFAULT_RETENTION_SECONDS, batch=batch, clock=lambda: at)

    async def uploaded(self, count: int) -> list[str]:
        refs = []
        for _ in range(count):
            ref = (await self.media.create_upload("image/png", 3)).media_ref
            await asyncio.to_thread(self.s3.put_object, Bucket=self.bucket, Key=ref, Body=b"png")
            refs.append(ref)
        return refs

    async def states(self, refs: list[str]) -> dict[str, str]:
        rows = await self.pool.fetch("SELECT ref, state FROM media.uploads WHERE ref = ANY($1::text[])", refs)
        return {r["ref"]: r["state"] for r in rows}

    async def stored(self, refs: list[str]) -> set[str]:
        return {ref for ref in refs if await self.store.exists(ref)}


@pytest.fixture
async def rig(stack_settings: StackSettings) -> AsyncIterator[Rig]:
    await apply_migrations(stack_settings, below=60)
    pool = await asyncpg.create_pool(stack_settings.pg_dsn, min_size=1, max_size=4)
    try:
        yield Rig(pool, clients.s3_client(stack_settings), stack_settings.s3_bucket)
    finally:
        await pool.close()


async def test_unattached_uploads_past_the_retention_are_swept_and_attached_ones_stay(rig: Rig) -> None:
    refs = await rig.uploaded(20)
    attached, unattached = refs[:5], refs[5:]
    assert await rig.media.attach_media(attached) == [True] * 5
    now = dt.datetime.now(dt.UTC)

    await rig.sweep(now).run_once()
    assert await rig.stored(refs) == set(refs)  # none due yet
    assert await rig.sweep(now + LATER, batch=4).run_once() >= 15  # other tests' leftovers may go too
    assert await rig.stored(refs) == set(attached)
    states = await rig.states(refs)
    assert {states[r] for r in attached} == {"attached"} and {states[r] for r in unattached} == {"swept"}
    assert await rig.media.attach_media(unattached[:1]) == [False]  # a post naming swept media is refused

    await rig.sweep(
        now + LATER + dt.timedelta(days=1, seconds=1)
    ).run_once()  # swept rows are kept a day, then forgotten
    assert await rig.states(refs) == dict.fromkeys(attached, "attached")


async def test_an_attach_racing_the_sweep_never_keeps_a_ref_to_deleted_media(rig: Rig) -> None:
    later = dt.datetime.now(dt.UTC) + LATER
    outcomes = {True: 0, False: 0}
    for _ in range(3):
        refs = await rig.uploaded(30)
        sweeping = asyncio.create_task(rig.sweep(later, batch=3).run_once())
        answers = await asyncio.gather(*(rig.media.attach_media([ref]) for ref in refs))
        await sweeping
        attached = [ref for ref, [ok] in zip(refs, answers, strict=True) if ok]
        for [ok] in answers:
            outcomes[ok] += 1
        await rig.sweep(later).run_once()  # finish whatever the first round left
        assert await rig.stored(refs) == set(attached)  # every attached upload kept, every refused one deleted
        states = await rig.states(refs)
        assert all(states[r] == ("attached" if r in attached else "swept") for r in refs)
    print(f"attaches racing the sweep: {outcomes[True]} attached, {outcomes[False]} refused")
    assert outcomes[True] > 0  # the race had winners; refused ones are likely but not guaranteed
