"""Likes and shares. A like or unlike holds its row's lock from before its transaction until its change is in the
counter cache, so the cache sees one user's likes of one post in commit order; shares only ever add, so need none.

A shadow-banned user's like or share is stored hidden: no event, not in the post's cached sets; the counts their
answers carry add their own hidden engagement back (services/engagement/domain/shadow_bans.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from services.engagement.app.ports import Conn
from services.engagement.app.writes import Writes
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

        async with w.db.exclusive(CounterKind.LIKES, post_id, user_id) as session:
            row, taken = RowChange(changed=False, hidden=False), None
            if keyed.key is None:
                row = await write(session.conn)  # one statement: atomic without a transaction block
            else:
                async with session.transaction() as conn:
                    taken = await keyed.claim(conn)
                    if taken is None:
                        row = await write(conn)
            if taken is not None and taken.answer is not None:
                return cast(LikeState, taken.answer)
            if taken is None:
                # Applied even when nothing changed: membership is state, and a retry repairs a lost apply. A hidden
                # like is no member: its author alone counts it.
                change = MemberChange(post_id, CounterKind.LIKES, user_id, liked and not row.hidden)
                count = await w.counting.applied(change, session.conn) + int(liked and row.hidden)
            else:  # the first request committed but died before answering: answer now, change nothing
                count = (await w.counting.exact([post_id], session.conn))[post_id].likes
                if start.hidden:
                    count += (await w.own_hidden(user_id, post_id, session.conn)).likes
            state = cast(LikeState, await keyed.settle(session.conn, LikeState(liked=liked, like_count=count)))
        if taken is None:
            await w.changed(user_id, start.sees_own_hidden)
        return state

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
            count = await w.counting.applied(MemberChange(post_id, CounterKind.SHARES, share_id, True))
        else:  # hidden, or the first request died before answering: count now, change nothing
            count = (await w.counting.exact([post_id]))[post_id].shares
            if start.hidden:
                count += (await w.own_hidden(user_id, post_id)).shares
        async with w.db.reads() as conn:
            answer = cast(ShareCount, await keyed.settle(conn, ShareCount(share_count=count)))
        if taken is None:
            await w.changed(user_id, start.sees_own_hidden)
        return answer
