"""Engagement events into the transactional outbox (topic feedmesh.engagement, keyed by post so each post's events
keep their order); the relay started in wiring publishes them to Kafka. A like's event does not notify the relay
through PostgreSQL while the relay of this process is the one publishing: the like wakes it once committed."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from feedmesh.events.internal.v1 import events_pb2

from services.common.outbox import OutboxRelay, OutboxRow, enqueue_event, outbox_row
from services.engagement.domain.model import Comment, PostRef

PRODUCER = "engagement"
TOPIC = "feedmesh.engagement"


async def _enqueue(conn: asyncpg.Connection, post: PostRef, event: events_pb2.Event) -> None:
    await enqueue_event(conn, producer=PRODUCER, topic=TOPIC, key=post.id, event=event)


class OutboxEngagementEvents:
    def __init__(self, relay: OutboxRelay):
        self.relay = relay

    def liked(self, post: PostRef, user_id: int) -> OutboxRow:
        payload = events_pb2.PostLiked(post_id=post.id, user_id=user_id, post_author_id=post.author_id)
        return self._row(post, events_pb2.Event(post_liked=payload))

    def unliked(self, post: PostRef, user_id: int) -> OutboxRow:
        payload = events_pb2.PostUnliked(post_id=post.id, user_id=user_id, post_author_id=post.author_id)
        return self._row(post, events_pb2.Event(post_unliked=payload))

    def committed(self) -> None:
        self.relay.wake()

    def _row(self, post: PostRef, event: events_pb2.Event) -> OutboxRow:
        return outbox_row(producer=PRODUCER, topic=TOPIC, key=post.id, event=event, notify=not self.relay.leading)

    async def commented(
        self, conn: asyncpg.Connection, post: PostRef, comment: Comment, mention_handles: Sequence[str]
    ) -> None:
        payload = events_pb2.CommentCreated(
            comment_id=comment.id,
            post_id=post.id,
            author_id=comment.author_id,
            post_author_id=post.author_id,
            text=comment.text,
            mention_handles=list(mention_handles),
        )
        payload.create_time.FromDatetime(comment.created_at)
        await _enqueue(conn, post, events_pb2.Event(comment_created=payload))

    async def comment_deleted(self, conn: asyncpg.Connection, post: PostRef, comment: Comment, deleted_by: int) -> None:
        payload = events_pb2.CommentDeleted(
            comment_id=comment.id,
            post_id=post.id,
            author_id=comment.author_id,
            post_author_id=post.author_id,
            deleted_by_id=deleted_by,
        )
        await _enqueue(conn, post, events_pb2.Event(comment_deleted=payload))

    async def shared(self, conn: asyncpg.Connection, post: PostRef, share_id: int, user_id: int) -> None:
        payload = events_pb2.PostShared(
            share_id=share_id, post_id=post.id, user_id=user_id, post_author_id=post.author_id
        )
        await _enqueue(conn, post, events_pb2.Event(post_shared=payload))
