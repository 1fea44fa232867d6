"""Likes and shares. A like or unlike takes its row's lock for its transaction (one of its own with an
Idempotency-Key, else one it shares with the likes made meanwhile: app.ports.GroupedLikes) and is numbered in its row's
commit order, and the counter cache applies one user's likes of one post in that order, whatever order the applies
arrive in (no lock is held until the change is applied); shares only ever add, so need none.

A shadow-banned user's like or share is stored hidden: no event, not in the post's cached sets; the counts their
answers carry add their own hidden engagement back (services/engagement/domain/shadow_bans.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from services.engagement.app.ports import Actor, Conn
from services.engagement.app.writes import Start, Writes
from services.engagement.domain.model import Action, CounterKind, LikeState, MemberChange, RowChange, ShareCount
from services.engagement.domain.shadow_bans import publishes_events


@dataclass
class Reactions:
    writes: Writes

    async def like(self, user_id: int, post_id: int, idempotency_key: str | None) -> LikeState:
        return await self._set_like(user_id, post_id, idempotency_key, liked=True)

    async def unlike(self, user_id: int, post_id: int, idempotency_key: str | None) -> LikeState:
        return await self._set_like(user_id, post_id, idempotency_key, liked=False)

    async def _set_like(self, user_id: int, post_id: int, idempotency_key: str | None, *, liked: bool) -> LikeState:
        w = self.writes
        start = await w.start(user_id, post_id, Action.LIKE if liked else Action.UNLIKE, idempotency_key)
        if start.post is None:
            return cast(LikeState, start.first)
        keyed, post = start.keyed, start.post

        event = (w.events.liked if liked else w.events.unliked)(post, user_id)

        async def write(conn: Conn) -> RowChange:
            if liked:
                return await w.store.add_like(conn, post_id, user_id, start.hidden, event)
            return await w.store.remove_like(conn, post_id, user_id, event)

        if keyed.key is None:  # committed with the likes made meanwhile, in one transaction
            row = await w.likes.set_like(liked, post_id, user_id, start.hidden and liked, event)
            return LikeState(liked=liked, like_count=await self._applied(post_id, user_id, start, row, liked=liked))
        async with w.db.ordered() as session:
            async with session.transaction() as conn:
                taken = await keyed.claim(conn)
                row = await write(conn) if taken is None else RowChange(changed=False, hidden=False)
            if taken is not None and taken.answer is not None:
                return cast(LikeState, taken.answer)
            if taken is None:
                count = await self._applied(post_id, user_id, start, row, liked=liked, conn=session.conn)
            else:  # the first request committed but died before answering: answer now, change nothing
                count = (await w.counting.exact([post_id], session.conn))[post_id].likes
                if start.hidden:
                    count += (await w.own_hidden(user_id, post_id, session.conn)).likes
            return cast(LikeState, await keyed.settle(session.conn, LikeState(liked=liked, like_count=count)))

    async def _applied(
        self, post_id: int, user_id: int, start: Start, row: RowChange, *, liked: bool, conn: Conn | None = None
    ) -> int:
        """After the like's write committed: its event on its way, its change in the counter cache; the post's like
        count as the liker sees it. Applied even when nothing changed: membership is state, and a retry repairs a
        lost apply; in the row's commit order (row.order), whatever order the applies arrive in. A hidden like is no
        member: its author alone counts it."""
        w = self.writes
        w.events.committed()
        change = MemberChange(post_id, CounterKind.LIKES, user_id, liked and not row.hidden, row.order)
        actor = Actor(user_id, start.sees_own_hidden)
        return await w.counting.applied(change, conn, actor) + int(liked and row.hidden)

    async def share(self, user_id: int, post_id: int, idempotency_key: str | None) -> ShareCount:
        w = self.writes
        start = await w.start(user_id, post_id, Action.SHARE, idempotency_key)
        if start.post is None:
            return cast(ShareCount, start.first)
        keyed, post = start.keyed, start.post

        share_id = w.ids.next_id()
        async with w.db.transaction() as conn:
            taken = await keyed.claim(conn)
            if taken is None:
                await w.store.insert_share(conn, share_id, post_id, user_id, start.hidden)
                if publishes_events(start.hidden):
                    await w.events.shared(conn, post, share_id, user_id)
        if taken is not None and taken.answer is not None:
            return cast(ShareCount, taken.answer)
        if taken is None and not start.hidden:
            change = MemberChange(post_id, CounterKind.SHARES, share_id, True)
            count = await w.counting.applied(change, actor=Actor(user_id, start.sees_own_hidden))
        else:  # hidden, or the first request died before answering: count now, change nothing
            count = (await w.counting.exact([post_id]))[post_id].shares
            if start.hidden:
                count += (await w.own_hidden(user_id, post_id)).shares
        async with w.db.reads() as conn:
            answer = cast(ShareCount, await keyed.settle(conn, ShareCount(share_count=count)))
        if taken is None and start.hidden:  # in no cache: the version is replaced on its own
            await w.changed(user_id, start.sees_own_hidden)
        return answer
