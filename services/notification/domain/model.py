"""What the notification service works with: the kinds, a stored notification, the drafts the events produce and
the removals they ask for, and the inbound changes (decoded from Kafka by adapters/inbound_events.py). No I/O."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from services.common.visibility import Visibility


class Kind(enum.IntEnum):
    """The contract's kinds; the values are the proto's NotificationKind numbers."""

    FOLLOW = 1
    FOLLOW_REQUEST = 2
    LIKE = 3
    COMMENT = 4
    MENTION = 5
    CLOSE_FRIEND_POST = 6


class DropRule(enum.Enum):
    """Why an event made no notification for a recipient (the `rule` label of the dropped metric)."""

    OWN_ACTION = "own_action"
    DUPLICATE = "duplicate"  # the same event again (redelivery)
    SUPERSEDED = "superseded"  # undone already (an unlike, a withdrawal) or replaced by a newer one
    BLOCKED = "blocked"  # a block between the two came after the event
    DELETED = "deleted"  # the post or comment is gone
    UNKNOWN_HANDLE = "unknown_handle"
    NOT_VISIBLE = "not_visible"  # the mentioned user, or the close friend, may not see the post


@dataclass(frozen=True)
class Notification:
    id: int
    recipient_id: int
    kind: Kind
    actor_id: int
    post_id: int = 0
    comment_id: int = 0


@dataclass(frozen=True)
class Draft:
    """A notification an event asks for, before the checks against what is stored. `source` names what it is
    about for its recipient (a like is `like:<post>:<actor>`): the one key an undo, or a second delivery, finds it
    by. `subjects` are what can take it away wholesale (its post, its comment, the pair of users)."""

    notification: Notification
    source: str
    subjects: tuple[str, ...]
    event_id: str
    occur_ms: int


@dataclass(frozen=True)
class SourceRemoval:
    """Take away the recipient's notification of `source` (an unlike, an unfollow, a withdrawn request) and keep
    a tombstone, so an event of it that arrives late makes none."""

    recipient_id: int
    source: str
    at_ms: int


@dataclass(frozen=True)
class SubjectRemoval:
    """Take away every notification of a subject (a deleted post or comment, a blocked pair), and keep a tombstone:
    a deleted post's or comment's for good, a pair's for the events that happened before the block."""

    subject: str
    at_ms: int


# --- inbound changes --------------------------------------------------------------------------------------------


class FollowStep(enum.Enum):
    FOLLOWED = "followed"
    UNFOLLOWED = "unfollowed"
    REQUESTED = "requested"
    REQUEST_SETTLED = "request_settled"
    """A pending request ended: approved, rejected or withdrawn (an approval's FOLLOW comes with its own event)."""


@dataclass(frozen=True)
class FollowChange:
    """A step in how `follower_id` follows `followee_id`."""

    step: FollowStep
    follower_id: int
    followee_id: int


@dataclass(frozen=True)
class Blocked:
    blocker_id: int
    blocked_id: int


@dataclass(frozen=True)
class PostPublished:
    post_id: int
    author_id: int
    visibility: Visibility
    mention_ids: tuple[int, ...]


@dataclass(frozen=True)
class PostDeleted:
    post_id: int


@dataclass(frozen=True)
class PostLiked:
    post_id: int
    user_id: int
    post_author_id: int


@dataclass(frozen=True)
class PostUnliked:
    post_id: int
    user_id: int
    post_author_id: int


@dataclass(frozen=True)
class CommentCreated:
    comment_id: int
    post_id: int
    author_id: int
    post_author_id: int
    mention_handles: tuple[str, ...]


@dataclass(frozen=True)
class CommentDeleted:
    comment_id: int


Change = (
    FollowChange | Blocked | PostPublished | PostDeleted | PostLiked | PostUnliked | CommentCreated | CommentDeleted
)


@dataclass(frozen=True)
class Occurrence:
    """One inbound event: its id (for dedupe), when it happened, what changed."""

    event_id: str
    occur_ms: int
    change: Change
