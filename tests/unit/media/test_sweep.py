"""The sweep of unattached uploads (services/media/app/sweep.py) and its rule (domain/retention.py): what goes, what
stays, and that an attach and the sweep never both win."""

from __future__ import annotations

import datetime as dt

import pytest

from services.media.app.sweep import UploadSweep
from services.media.app.uploads import MediaUseCases
from services.media.domain import retention
from tests.unit.media.fake_uploads import FakeUploads

DAY = 86_400
T0 = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


class Objects:
    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.fail = False

    async def presign_put(self, key: str, content_type: str, size_bytes: int, ttl_seconds: int) -> str:
        return f"http://s3/{key}"

    async def exists(self, key: str) -> bool:
        return key in self.keys

    async def delete(self, keys: list[str]) -> None:
        if self.fail:
            raise RuntimeError("the store is down")
        self.keys.difference_update(keys)


def rig() -> tuple[MediaUseCases, UploadSweep, FakeUploads, Objects, list[dt.datetime]]:
    uploads, objects, now = FakeUploads(now=T0), Objects(), [T0]
    media = MediaUseCases(objects, uploads, max_bytes=100, upload_ttl_seconds=900, check_concurrency=4)
    sweep = UploadSweep(uploads, objects, DAY, batch=2, clock=lambda: now[0])
    return media, sweep, uploads, objects, now


async def uploaded(media: MediaUseCases, objects: Objects) -> str:
    ref = (await media.create_upload("image/png", 10)).media_ref
    objects.keys.add(ref)
    return ref


def test_the_retention_leaves_time_to_upload_and_post() -> None:
    retention.check_retention(DAY, 900)
    with pytest.raises(ValueError, match="upload TTL plus an hour"):
        retention.check_retention(3600, 900)
    assert retention.sweep_before(T0, DAY) == T0 - dt.timedelta(days=1)
    assert retention.forget_swept_before(T0) == T0 - dt.timedelta(days=1)


async def test_uploads_not_attached_within_the_retention_go_and_attached_ones_stay() -> None:
    media, sweep, uploads, objects, now = rig()
    kept, lost, never_uploaded = await uploaded(media, objects), await uploaded(media, objects), None
    never_uploaded = (await media.create_upload("image/png", 10)).media_ref
    recent_time = T0 + dt.timedelta(hours=20)
    uploads.now = recent_time
    recent = await uploaded(media, objects)
    assert await media.attach_media([kept]) == [True]

    now[0] = T0 + dt.timedelta(seconds=DAY - 1)
    assert await sweep.run_once() == 0  # nothing old enough yet
    now[0] = T0 + dt.timedelta(seconds=DAY + 1)
    assert await sweep.run_once() == 2  # in batches of 2: lost and never_uploaded
    assert objects.keys == {kept, recent}
    assert uploads.rows[lost].state == "swept" and uploads.rows[never_uploaded].state == "swept"
    assert await media.attach_media([lost]) == [False]  # gone: a post naming it is refused

    now[0] += dt.timedelta(days=1, seconds=1)
    uploads.now = now[0]
    await sweep.run_once()  # the recent one is due too now; the swept rows are forgotten a day after
    assert lost not in uploads.rows and never_uploaded not in uploads.rows
    assert objects.keys == {kept}


async def test_an_attach_after_the_sweep_chose_an_upload_is_refused_and_one_before_keeps_it() -> None:
    media, sweep, uploads, objects, now = rig()
    first = await uploaded(media, objects)
    uploads.now += dt.timedelta(seconds=1)
    second = await uploaded(media, objects)
    now[0] = T0 + dt.timedelta(days=2)
    chosen = await uploads.choose_to_sweep(T0 + dt.timedelta(days=1), 1)  # the sweep took `first`, not yet deleted
    assert chosen == [first]
    assert await media.attach_media([first, second]) == [False, True]
    assert await sweep.run_once() == 1  # finishes `first`; `second` is attached and stays
    assert objects.keys == {second}


async def test_a_sweep_the_store_refused_is_finished_by_the_next_round() -> None:
    media, sweep, uploads, objects, now = rig()
    ref = await uploaded(media, objects)
    now[0] = T0 + dt.timedelta(days=2)
    objects.fail = True
    with pytest.raises(RuntimeError):
        await sweep.run_once()
    assert uploads.rows[ref].state == "sweeping" and await media.attach_media([ref]) == [False]
    objects.fail = False
    assert await sweep.run_once() == 1 and objects.keys == set()


async def test_an_upload_recorded_before_uploads_were_recorded_is_attached_when_its_object_is_there() -> None:
    media, _, uploads, objects, _ = rig()
    legacy = "m_" + "a" * 32
    objects.keys.add(legacy)
    assert await media.attach_media([legacy, "m_" + "b" * 32, "nope"]) == [True, False, False]
    assert uploads.rows[legacy].state == "attached"
