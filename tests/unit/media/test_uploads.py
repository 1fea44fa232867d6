from __future__ import annotations

import datetime as dt
import math

import pytest

from services.common.errors import InvalidArgument
from services.common.polling import wait_until
from services.media.app.uploads import MediaUseCases
from services.media.domain.uploads import CONTENT_TYPES, check_upload, is_media_ref, new_media_ref
from tests.unit.media.fake_uploads import FakeUploads


def test_refs_are_random_and_recognisable() -> None:
    refs = {new_media_ref() for _ in range(1000)}
    assert len(refs) == 1000
    assert all(is_media_ref(r) and len(r) == 34 for r in refs)


@pytest.mark.parametrize(
    "ref", ["", "m_", "m_" + "a" * 31, "m_" + "A" * 32, "x_" + "a" * 32, "m_" + "a" * 33, "../m_" + "a" * 32]
)
def test_malformed_refs(ref: str) -> None:
    assert not is_media_ref(ref)


@pytest.mark.parametrize("kind", CONTENT_TYPES)
def test_supported_types(kind: str) -> None:
    assert check_upload(kind.upper(), 1, 10).content_type == kind


@pytest.mark.parametrize(
    ("kind", "size", "message"),
    [
        ("image/svg+xml", 10, "is not supported"),
        ("", 10, "is not supported"),
        ("image/png", 0, "at least 1"),
        ("image/png", -5, "at least 1"),
        ("image/png", 11, "over the limit of 10 bytes"),
    ],
)
def test_refused_uploads(kind: str, size: int, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        check_upload(kind, size, 10)


class Store:
    """`exists` holds each check until `together` checks have started since the group it belongs to began (the
    last group: until all `checks` have), so that checks the use case lets run at once are in flight at once."""

    def __init__(self, *, checks: int = 0, together: int = 1) -> None:
        self.present: set[str] = set()
        self.checks, self.together = checks, together
        self.started = 0
        self.running = 0
        self.peak = 0

    async def presign_put(self, key: str, content_type: str, size_bytes: int, ttl_seconds: int) -> str:
        return f"http://store/{key}?type={content_type}&size={size_bytes}&ttl={ttl_seconds}"

    async def delete(self, keys: list[str]) -> None:
        self.present.difference_update(keys)

    async def exists(self, key: str) -> bool:
        self.started += 1
        self.running += 1
        self.peak = max(self.peak, self.running)
        group_started = min(self.checks, math.ceil(self.started / self.together) * self.together)
        await wait_until(lambda: self.started >= group_started, what=f"{group_started} checks started", within=5)
        self.running -= 1
        return key in self.present


async def test_create_upload_expires_after_the_ttl() -> None:
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    media = MediaUseCases(
        Store(), FakeUploads(), max_bytes=100, upload_ttl_seconds=900, check_concurrency=4, clock=lambda: now
    )
    upload = await media.create_upload("image/png", 42)
    assert is_media_ref(upload.media_ref) and upload.media_ref in upload.upload_url
    assert "size=42" in upload.upload_url and upload.expire_time == now + dt.timedelta(seconds=900)


async def test_check_is_ordered_bounded_and_skips_malformed_refs() -> None:
    store = Store(checks=20, together=4)
    refs = [new_media_ref() for _ in range(20)]
    store.present.update(refs[::2])
    media = MediaUseCases(store, FakeUploads(), max_bytes=100, upload_ttl_seconds=900, check_concurrency=4)
    assert await media.check_media([*refs, "nope"]) == [i % 2 == 0 for i in range(20)] + [False]
    assert store.peak == 4
    with pytest.raises(InvalidArgument):
        await media.check_media([new_media_ref() for _ in range(101)])
