"""The media use cases: hand out a presigned upload (recorded, so that it is swept if no post attaches it), check
which refs name uploaded objects, and attach uploads to a post about to be created."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from services.common.errors import InvalidArgument
from services.media.app.ports import ObjectStore, Uploads, utc_now
from services.media.domain.uploads import MAX_CHECK_REFS, check_upload, is_media_ref, new_media_ref


@dataclass(frozen=True)
class Upload:
    media_ref: str
    upload_url: str
    expire_time: dt.datetime


@dataclass
class MediaUseCases:
    store: ObjectStore
    uploads: Uploads
    max_bytes: int
    upload_ttl_seconds: int
    check_concurrency: int
    clock: Callable[[], dt.datetime] = utc_now

    async def create_upload(self, content_type: str, size_bytes: int) -> Upload:
        upload = check_upload(content_type, size_bytes, self.max_bytes)
        ref = new_media_ref()
        issued = self.clock()
        await self.uploads.record(ref)  # before the URL exists: every object uploaded has a row the sweep sees
        url = await self.store.presign_put(ref, upload.content_type, upload.size_bytes, self.upload_ttl_seconds)
        return Upload(ref, url, issued + dt.timedelta(seconds=self.upload_ttl_seconds))

    async def attach_media(self, refs: Sequence[str]) -> list[bool]:
        """attached[i] for refs[i]: whether it names an uploaded object, now attached (never swept). The object is
        checked before the row is attached: the sweep deletes an object only after marking its row, so an attach
        that finds the row unmarked also knows the object it saw is still there (app/sweep.py)."""
        exists = dict(zip(refs, await self.check_media(refs), strict=True))
        wanted = list(dict.fromkeys(ref for ref in refs if exists[ref]))
        attached = await self.uploads.attach(wanted) if wanted else set()
        return [ref in attached for ref in refs]

    async def check_media(self, refs: Sequence[str]) -> list[bool]:
        """exists[i] for refs[i]; a malformed ref does not exist (and costs no call to the store)."""
        if len(refs) > MAX_CHECK_REFS:
            raise InvalidArgument(
                f"at most {MAX_CHECK_REFS} media refs per call, got {len(refs)}", reason="TOO_MANY_REFS"
            )
        gate = asyncio.Semaphore(self.check_concurrency)

        async def check(ref: str) -> bool:
            if not is_media_ref(ref):
                return False
            async with gate:
                return await self.store.exists(ref)

        return list(await asyncio.gather(*(check(ref) for ref in refs)))
