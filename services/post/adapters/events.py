"""Post events into the transactional outbox (topic feedmesh.posts, keyed by author so each author's events keep
their order); the relay started in wiring publishes them to Kafka."""

from __future__ import annotations

import asyncpg
from feedmesh.events.internal.v1 import events_pb2
from google.protobuf import timestamp_pb2

from services.common.outbox import enqueue_event
from services.post.domain.model import Post

PRODUCER = "post"
TOPIC = "feedmesh.posts"


def _timestamp(post: Post) -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(post.created_at)
    return ts


class OutboxPostEvents:
    async def published(self, conn: asyncpg.Connection, post: Post) -> None:
        event = events_pb2.Event(
            post_published=events_pb2.PostPublished(
                post_id=post.id,
                author_id=post.author_id,
                visibility=int(post.visibility),  # type: ignore[arg-type]
                create_time=_timestamp(post),
                mention_ids=list(post.mention_ids),
                has_media=bool(post.media_refs),
            )
        )
        await enqueue_event(conn, producer=PRODUCER, topic=TOPIC, key=post.author_id, event=event)

    async def deleted(self, conn: asyncpg.Connection, post: Post) -> None:
        event = events_pb2.Event(post_deleted=events_pb2.PostDeleted(post_id=post.id, author_id=post.author_id))
        await enqueue_event(conn, producer=PRODUCER, topic=TOPIC, key=post.author_id, event=event)
