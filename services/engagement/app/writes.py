"""What every engagement write needs, and the steps each takes first: a valid post id and Idempotency-Key, the
earlier answer when the key was used before (a retry changes nothing), else the anti-abuse guard (the caller's
budgets, 429 past one; whether what they write is hidden by a shadow ban) and the post, if the caller may see it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.common.idempotency import check_idempotency_key
from services.engagement.app.abuse_guard import EngagementGuard
from services.engagement.app.counting import Counting
from services.engagement.app.idempotency import KeyedRequest
from services.engagement.app.ports import (
    Actor,
    Conn,
    Database,
    EngagementEvents,
    EngagementStore,
    GroupedLikes,
    IdempotencyKeys,
    IdSource,
)
from services.engagement.app.visible_posts import CachedPostDirectory
from services.engagement.domain.model import Action, Answer, Counts, PostRef, require_positive


@dataclass(frozen=True)
class Start:
    """Either the earlier answer (`first`) or the post to engage with (`post`), and the request's key. `hidden`: the
    caller is shadow-banned, so what they write now is stored hidden, counted and shown to them alone, and sends no
    event (services/engagement/domain/shadow_bans.py)."""

    keyed: KeyedRequest
    first: Answer | None
    post: PostRef | None
    hidden: bool = False
    sees_own_hidden: bool = False


@dataclass
class Writes:
    db: Database
    store: EngagementStore
    keys: IdempotencyKeys
    events: EngagementEvents
    posts: CachedPostDirectory
    counting: Counting
    ids: IdSource
    guard: EngagementGuard
    likes: GroupedLikes

    async def start(self, user_id: int, post_id: int, action: Action, idempotency_key: str | None) -> Start:
        require_positive(post_id, "post_id")
        keyed = KeyedRequest(self.keys, user_id, check_idempotency_key(idempotency_key), action, post_id)
        if keyed.key is not None:  # without a key there is nothing to look up: no connection taken
            async with self.db.reads() as conn:
                first = await keyed.earlier_answer(conn)
            if first is not None:
                return Start(keyed, first, None)
        # The budgets, the ban state and what the owners publish about the post are read together (one Redis round
        # trip: the read started as a task runs before the shared connection's next send); a peer is asked about the
        # post only once admitted, so a 429 costs no peer call. A task and an await cost less than a gather.
        published = asyncio.create_task(self.posts.read_published(user_id, post_id))
        try:
            admission = await self.guard.admit(user_id, action, post_id)
        except BaseException:
            published.cancel()
            raise
        post = await self.posts.visible_post(user_id, post_id, await published)
        return Start(keyed, None, post, hidden=admission.hidden, sees_own_hidden=admission.sees_own_hidden)

    async def changed(self, user_id: int, sees_own_hidden: bool | None = None) -> None:
        """A fresh engagement version for the user, after a change not applied with `Counting.applied(actor=...)`
        (which replaces it in the apply's round trip)."""
        if sees_own_hidden is None:
            sees_own_hidden = await self.guard.sees_own_hidden(user_id)
        await self.counting.new_version(Actor(user_id, sees_own_hidden))

    async def own_hidden(self, user_id: int, post_id: int, conn: Conn | None = None) -> Counts:
        """A shadow-banned author's own hidden engagement on the post, which their answers count in."""
        if conn is not None:
            return (await self.store.hidden_engagement(conn, user_id, [post_id])).get(post_id, Counts())
        async with self.db.reads() as held:
            return await self.own_hidden(user_id, post_id, held)
