"""Likes and shares. A like or unlike holds its row's lock from before its transaction until its change is in the
counter cache, so the cache sees one user's likes of one post in commit order; shares only ever add, so need none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

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
from services.engagement.domain.model import Action, CounterKind, LikeState, MemberChange, ShareCount, require_positive


@dataclass
class Reactions:
    db: Database
    store: EngagementStore
    keys: IdempotencyKeys
    events: EngagementEvents
    posts: PostDirectory
    counting: Counting
    ids: IdSource

    async def like(self, user_id: int, post_id: int, idempotency_key: str | None) -> LikeState:
        return await self._set_like(user_id, post_id, idempotency_key, liked=True)

    async def unlike(self, user_id: int, post_id: int, idempotency_key: str | None) -> LikeState:
        return await self._set_like(user_id, post_id, idempotency_key, liked=False)

    async def _set_like(self, user_id: int, post_id: int, idempotency_key: str | None, *, liked: bool) -> LikeState:
        require_positive(post_id, "post_id")
        action = Action.LIKE if liked else Action.UNLIKE
        keyed = KeyedRequest(self.keys, user_id, check_idempotency_key(idempotency_key), action, post_id)
        async with self.db.reads() as conn:
            first = await keyed.earlier_answer(conn)
        if first is not None:
            return cast(LikeState, first)
        post = await self.posts.visible_post(user_id, post_id)

        async with self.db.exclusive(CounterKind.LIKES, post_id, user_id) as session:
            async with session.transaction() as conn:
                taken = await keyed.claim(conn)
                if taken is None:
                    if liked and await self.store.add_like(conn, post_id, user_id):
                        await self.events.liked(conn, post, user_id)
                    if not liked and await self.store.remove_like(conn, post_id, user_id):
                        await self.events.unliked(conn, post, user_id)
            if taken is not None and taken.answer is not None:
                return cast(LikeState, taken.answer)
            if taken is None:
                # Applied even when nothing changed: membership is state, and a retry repairs a lost apply.
                change = MemberChange(post_id, CounterKind.LIKES, user_id, liked)
                count = await self.counting.applied(change, session.conn)
            else:  # the first request committed but died before answering: answer now, change nothing
                count = (await self.counting.exact([post_id], session.conn))[post_id].likes
            return cast(LikeState, await keyed.settle(session.conn, LikeState(liked=liked, like_count=count)))

    async def share(self, user_id: int, post_id: int, idempotency_key: str | None) -> ShareCount:
        require_positive(post_id, "post_id")
        keyed = KeyedRequest(self.keys, user_id, check_idempotency_key(idempotency_key), Action.SHARE, post_id)
        async with self.db.reads() as conn:
            first = await keyed.earlier_answer(conn)
        if first is not None:
            return cast(ShareCount, first)
        post = await self.posts.visible_post(user_id, post_id)

        share_id = self.ids.next_id()
        async with self.db.transaction() as conn:
            taken = await keyed.claim(conn)
            if taken is None:
                await self.store.insert_share(conn, share_id, post_id, user_id)
                await self.events.shared(conn, post, share_id, user_id)
        if taken is not None and taken.answer is not None:
            return cast(ShareCount, taken.answer)
        if taken is None:
            count = await self.counting.applied(MemberChange(post_id, CounterKind.SHARES, share_id, True))
        else:
            count = (await self.counting.exact([post_id]))[post_id].shares
        async with self.db.reads() as conn:
            return cast(ShareCount, await keyed.settle(conn, ShareCount(share_count=count)))
