"""What every engagement write needs, and the steps each takes first: a valid post id and Idempotency-Key, the
earlier answer when the key was used before (a retry changes nothing), else the post, if the caller may see it."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.idempotency import check_idempotency_key
from services.engagement.app.counting import Counting
from services.engagement.app.idempotency import KeyedRequest
from services.engagement.app.ports import (
    Database,
    EngagementEvents,
    EngagementStore,
    IdempotencyKeys,
    IdSource,
    PostDirectory,
)
from services.engagement.domain.model import Action, Answer, PostRef, require_positive


@dataclass(frozen=True)
class Start:
    """Either the earlier answer (`first`) or the post to engage with (`post`), and the request's key."""

    keyed: KeyedRequest
    first: Answer | None
    post: PostRef | None


@dataclass
class Writes:
    db: Database
    store: EngagementStore
    keys: IdempotencyKeys
    events: EngagementEvents
    posts: PostDirectory
    counting: Counting
    ids: IdSource

    async def start(self, user_id: int, post_id: int, action: Action, idempotency_key: str | None) -> Start:
        require_positive(post_id, "post_id")
        keyed = KeyedRequest(self.keys, user_id, check_idempotency_key(idempotency_key), action, post_id)
        async with self.db.reads() as conn:
            first = await keyed.earlier_answer(conn)
        if first is not None:
            return Start(keyed, first, None)
        return Start(keyed, None, await self.posts.visible_post(user_id, post_id))
