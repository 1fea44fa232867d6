"""Comments: create (content-safe, mentions parsed, an identical comment within 10 minutes stored once), list
oldest first, delete by the comment's author or the post's author.

A comment's writes hold the lock of (post, comment author) from before their transaction until their change is in
the counter cache: a deletion reaches the cache after the creation it undoes, and two identical comments sent at
once are decided one after the other. A shadow-banned author's comment is stored hidden: listed for them alone, no
event, not counted (services/engagement/domain/shadow_bans.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from services.common.content_safety import ContentPolicy
from services.common.errors import NotFound, PermissionDenied
from services.engagement.app.ports import Actor
from services.engagement.app.writes import Writes
from services.engagement.domain import comments as rules
from services.engagement.domain.model import Action, Comment, CounterKind, MemberChange, created_at_of, require_positive
from services.engagement.domain.shadow_bans import publishes_events


@dataclass(frozen=True)
class CommentPage:
    comments: list[Comment]
    next_cursor: str


@dataclass
class Comments:
    writes: Writes
    policy: ContentPolicy

    async def create(self, user_id: int, post_id: int, text: str, idempotency_key: str | None) -> Comment:
        w = self.writes
        cleaned = self.policy.check(text)
        start = await w.start(user_id, post_id, Action.COMMENT, idempotency_key)
        if start.post is None:
            return cast(Comment, start.first)
        keyed, post = start.keyed, start.post

        comment_id = w.ids.next_id()
        new = Comment(comment_id, post_id, user_id, cleaned, created_at_of(comment_id))
        async with w.db.exclusive(CounterKind.COMMENTS, post_id, user_id) as session:
            async with session.transaction() as conn:
                since = rules.identical_since(new.created_at)
                earlier = await w.store.recent_identical_comment(conn, post_id, user_id, cleaned, since)
                comment = earlier or new
                taken = await keyed.claim(conn, comment)
                if taken is not None:
                    return cast(Comment, taken.answer)
                if earlier is None:
                    await w.store.insert_comment(conn, new, start.hidden)
                    if publishes_events(start.hidden):
                        await w.events.commented(conn, post, new, rules.mentioned_handles(cleaned))
            if earlier is None and not start.hidden:
                change = MemberChange(post_id, CounterKind.COMMENTS, new.id, True)
                await w.counting.applied(change, session.conn, Actor(user_id, start.sees_own_hidden))
        if earlier is None and start.hidden:  # in no cache: the version is replaced on its own
            await w.changed(user_id, start.sees_own_hidden)
        return comment

    async def list(self, viewer_id: int, post_id: int, cursor: str, limit: int) -> CommentPage:
        w = self.writes
        require_positive(post_id, "post_id")
        after = rules.decode_after(cursor)
        await w.posts.visible_post(viewer_id, post_id)
        async with w.db.reads() as conn:
            rows = await w.store.list_comments(conn, post_id, after, limit + 1, viewer_id)
        page = rows[:limit]
        return CommentPage(page, rules.next_cursor([c.id for c in page], more=len(rows) > limit))

    async def delete(self, caller_id: int, post_id: int, comment_id: int) -> None:
        w = self.writes
        require_positive(post_id, "post_id")
        require_positive(comment_id, "comment_id")
        post = await w.posts.visible_post(caller_id, post_id)
        async with w.db.reads() as conn:
            comment = await w.store.get_comment(conn, post_id, comment_id, caller_id)
        if comment is None:
            raise NotFound("comment not found", reason="COMMENT_NOT_FOUND")
        if caller_id not in (comment.author_id, post.author_id):
            raise PermissionDenied(
                "only the comment's author or the post's author may delete a comment",
                reason="NOT_COMMENT_OR_POST_AUTHOR",
            )
        async with w.db.exclusive(CounterKind.COMMENTS, post_id, comment.author_id) as session:
            async with session.transaction() as conn:
                row = await w.store.delete_comment(conn, post_id, comment_id)
                if row.changed and publishes_events(row.hidden):
                    await w.events.comment_deleted(conn, post, comment, caller_id)
            # Applied even when a concurrent delete won: membership is state, repeating it is harmless.
            change = MemberChange(post_id, CounterKind.COMMENTS, comment_id, False)
            await w.counting.applied(change, session.conn)
        # The deleter sees the count drop at once; so does the comment's author, whose comment it was.
        for user_id in {caller_id, comment.author_id}:
            await w.changed(user_id)
