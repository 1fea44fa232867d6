"""Comments: create (content-safe, mentions parsed, an identical comment within 10 minutes stored once), list
oldest first, delete by the comment's author or the post's author.

A comment's writes hold the lock of (post, comment author) from before their transaction until their change is in
the counter cache: a deletion reaches the cache after the creation it undoes, and two identical comments sent at
once are decided one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from services.common.content_safety import ContentPolicy
from services.common.errors import NotFound, PermissionDenied
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
from services.engagement.domain import comments as rules
from services.engagement.domain.model import Action, Comment, CounterKind, MemberChange, created_at_of, require_positive


@dataclass(frozen=True)
class CommentPage:
    comments: list[Comment]
    next_cursor: str


@dataclass
class Comments:
    db: Database
    store: EngagementStore
    keys: IdempotencyKeys
    events: EngagementEvents
    posts: PostDirectory
    counting: Counting
    ids: IdSource
    policy: ContentPolicy

    async def create(self, user_id: int, post_id: int, text: str, idempotency_key: str | None) -> Comment:
        require_positive(post_id, "post_id")
        keyed = KeyedRequest(self.keys, user_id, check_idempotency_key(idempotency_key), Action.COMMENT, post_id)
        cleaned = self.policy.check(text)
        async with self.db.reads() as conn:
            first = await keyed.earlier_answer(conn)
        if first is not None:
            return cast(Comment, first)
        post = await self.posts.visible_post(user_id, post_id)

        comment_id = self.ids.next_id()
        new = Comment(comment_id, post_id, user_id, cleaned, created_at_of(comment_id))
        async with self.db.exclusive(CounterKind.COMMENTS, post_id, user_id) as session:
            async with session.transaction() as conn:
                since = rules.identical_since(new.created_at)
                earlier = await self.store.recent_identical_comment(conn, post_id, user_id, cleaned, since)
                comment = earlier or new
                taken = await keyed.claim(conn, comment)
                if taken is not None:
                    return cast(Comment, taken.answer)
                if earlier is None:
                    await self.store.insert_comment(conn, new)
                    await self.events.commented(conn, post, new, rules.mentioned_handles(cleaned))
            if earlier is None:
                await self.counting.applied(MemberChange(post_id, CounterKind.COMMENTS, new.id, True), session.conn)
        return comment

    async def list(self, viewer_id: int, post_id: int, cursor: str, limit: int) -> CommentPage:
        require_positive(post_id, "post_id")
        after = rules.decode_after(cursor)
        await self.posts.visible_post(viewer_id, post_id)
        async with self.db.reads() as conn:
            rows = await self.store.list_comments(conn, post_id, after, limit + 1)
        page = rows[:limit]
        return CommentPage(page, rules.next_cursor([c.id for c in page], more=len(rows) > limit))

    async def delete(self, caller_id: int, post_id: int, comment_id: int) -> None:
        require_positive(post_id, "post_id")
        require_positive(comment_id, "comment_id")
        post = await self.posts.visible_post(caller_id, post_id)
        async with self.db.reads() as conn:
            comment = await self.store.get_comment(conn, post_id, comment_id)
        if comment is None:
            raise NotFound("comment not found", reason="COMMENT_NOT_FOUND")
        if caller_id not in (comment.author_id, post.author_id):
            raise PermissionDenied(
                "only the comment's author or the post's author may delete a comment",
                reason="NOT_COMMENT_OR_POST_AUTHOR",
            )
        async with self.db.exclusive(CounterKind.COMMENTS, post_id, comment.author_id) as session:
            async with session.transaction() as conn:
                if await self.store.delete_comment(conn, post_id, comment_id):
                    await self.events.comment_deleted(conn, post, comment, caller_id)
            # Applied even when a concurrent delete won: membership is state, repeating it is harmless.
            change = MemberChange(post_id, CounterKind.COMMENTS, comment_id, False)
            await self.counting.applied(change, session.conn)
