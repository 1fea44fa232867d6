"""Domain events -> the `feedmesh.events.internal.v1.Event` the outbox carries to Kafka topic feedmesh.graph."""

from __future__ import annotations

from feedmesh.events.internal.v1 import events_pb2

from services.graph.domain.model import (
    CloseFriendsChanged,
    FollowRequestApproved,
    FollowRequested,
    FollowRequestRejected,
    FollowRequestWithdrawn,
    GraphEvent,
    UserBlocked,
    UserFollowed,
    UserUnfollowed,
)

PRODUCER = "graph"
TOPIC = "feedmesh.graph"


def to_proto(event: GraphEvent) -> events_pb2.Event:
    match event:
        case UserFollowed(follower_id=a, followee_id=b):
            return events_pb2.Event(user_followed=events_pb2.UserFollowed(follower_id=a, followee_id=b))
        case UserUnfollowed(follower_id=a, followee_id=b):
            return events_pb2.Event(user_unfollowed=events_pb2.UserUnfollowed(follower_id=a, followee_id=b))
        case FollowRequested(follower_id=a, followee_id=b):
            return events_pb2.Event(follow_requested=events_pb2.FollowRequested(follower_id=a, followee_id=b))
        case FollowRequestApproved(follower_id=a, followee_id=b):
            return events_pb2.Event(
                follow_request_approved=events_pb2.FollowRequestApproved(follower_id=a, followee_id=b)
            )
        case FollowRequestWithdrawn(follower_id=a, followee_id=b):
            return events_pb2.Event(
                follow_request_withdrawn=events_pb2.FollowRequestWithdrawn(follower_id=a, followee_id=b)
            )
        case FollowRequestRejected(follower_id=a, followee_id=b):
            return events_pb2.Event(
                follow_request_rejected=events_pb2.FollowRequestRejected(follower_id=a, followee_id=b)
            )
        case UserBlocked(blocker_id=a, blocked_id=b):
            return events_pb2.Event(user_blocked=events_pb2.UserBlocked(blocker_id=a, blocked_id=b))
        case CloseFriendsChanged(owner_id=a, friend_id=b, added=added):
            return events_pb2.Event(
                close_friends_changed=events_pb2.CloseFriendsChanged(owner_id=a, friend_id=b, added=added)
            )
    raise TypeError(f"not a graph event: {event!r}")
