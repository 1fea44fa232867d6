"""The Kafka events the notification service consumes (feedmesh.graph, feedmesh.posts, feedmesh.engagement),
decoded by the common consumer runtime and turned into domain occurrences here; payloads the service has no rule
for are skipped."""

from __future__ import annotations

from collections.abc import Awaitable

from feedmesh.events.internal.v1 import events_pb2
from feedmesh.post.v1 import visibility_pb2

from services.common.kafka_consumer import ConsumedEvent
from services.common.visibility import Visibility
from services.notification.app.ingest import Ingest
from services.notification.domain import model

Consumed = ConsumedEvent[events_pb2.Event]

_FOLLOW_STEPS = {
    "user_followed": model.FollowStep.FOLLOWED,
    "user_unfollowed": model.FollowStep.UNFOLLOWED,
    "follow_requested": model.FollowStep.REQUESTED,
    "follow_request_approved": model.FollowStep.REQUEST_SETTLED,
    "follow_request_withdrawn": model.FollowStep.REQUEST_SETTLED,
    "follow_request_rejected": model.FollowStep.REQUEST_SETTLED,
}
_VISIBILITY = {visibility_pb2.FOLLOWERS: Visibility.FOLLOWERS, visibility_pb2.CLOSE_FRIENDS: Visibility.CLOSE_FRIENDS}


def change_of(event: events_pb2.Event) -> model.Change | None:
    payload = event.WhichOneof("payload")
    if payload in _FOLLOW_STEPS:
        pair = getattr(event, payload)
        return model.FollowChange(_FOLLOW_STEPS[payload], pair.follower_id, pair.followee_id)
    match payload:
        case "user_blocked":
            return model.Blocked(event.user_blocked.blocker_id, event.user_blocked.blocked_id)
        case "post_published":
            p = event.post_published
            visibility = _VISIBILITY.get(p.visibility, Visibility.PUBLIC)
            return model.PostPublished(p.post_id, p.author_id, visibility, tuple(p.mention_ids))
        case "post_deleted":
            return model.PostDeleted(event.post_deleted.post_id)
        case "post_liked":
            liked = event.post_liked
            return model.PostLiked(liked.post_id, liked.user_id, liked.post_author_id)
        case "post_unliked":
            unliked = event.post_unliked
            return model.PostUnliked(unliked.post_id, unliked.user_id, unliked.post_author_id)
        case "comment_created":
            c = event.comment_created
            return model.CommentCreated(
                c.comment_id, c.post_id, c.author_id, c.post_author_id, tuple(h.lower() for h in c.mention_handles)
            )
        case "comment_deleted":
            return model.CommentDeleted(event.comment_deleted.comment_id)
    return None


def occurrence_of(event: events_pb2.Event) -> model.Occurrence | None:
    change = change_of(event)
    if change is None:
        return None
    occur_ms = event.occur_time.seconds * 1000 + event.occur_time.nanos // 1_000_000
    return model.Occurrence(event.event_id, occur_ms, change)


class NotificationEventsConsumer:
    """The handler of the service's consumer group: each polled batch is applied as a whole (app/ingest.py)."""

    def __init__(self, ingest: Ingest):
        self.ingest = ingest

    async def __call__(self, events: list[Consumed]) -> Awaitable[None] | None:
        """Returns the batch's rest, still running (see Ingest.apply)."""
        occurrences = [o for o in map(occurrence_of, (consumed.event for consumed in events)) if o is not None]
        return await self.ingest.apply(occurrences) if occurrences else None
