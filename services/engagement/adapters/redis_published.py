"""What the graph and post services publish in the shared Redis about a (viewer, post) pair, read in one round trip
(app.visible_posts.PublishedStateReader): both users' relationship versions (services.common.relationship_version,
created when missing, as the graph does) and whether the post is in the post service's tombstone set
(services.common.post_tombstones)."""

from __future__ import annotations

import logging
from typing import Any

from services.common.post_tombstones import deleted_among_command, deleted_from_reply
from services.common.redis_mux import RedisMux, RedisMuxError, RedisReplyError
from services.common.relationship_version import ensure_call, ensure_script
from services.engagement.app.visible_posts import PublishedState

log = logging.getLogger(__name__)

_UNKNOWN = PublishedState(versions="", deleted=None)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisPublishedState:
    def __init__(self, mux: RedisMux):
        self.mux = mux
        self._ensure = ensure_script()

    async def read(self, viewer_id: int, author_id: int, post_id: int) -> PublishedState:
        keys, args = ensure_call([viewer_id, author_id])
        try:
            versions, flags = await self.mux.run_scripts(
                [(self._ensure, keys, args)], then=[deleted_among_command([post_id])]
            )
        except (RedisMuxError, RedisReplyError, OSError) as exc:
            log.warning("published state unavailable: asking the post service", extra={"error": str(exc)})
            return _UNKNOWN
        deleted = deleted_from_reply([post_id], flags)
        return PublishedState(
            versions=" ".join(_text(v) for v in versions), deleted=None if deleted is None else post_id in deleted
        )
