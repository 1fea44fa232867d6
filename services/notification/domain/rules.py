"""The notification rules as pure functions: which notifications an event asks for and what it takes away
(`plan`), and whether a draft may be written given what is stored (`judge`).

Ids are deterministic: the event's time in the id layout of services.common.ids (so notifications sort by when
their event happened) and a hash of (event, recipient, kind) in the low 22 bits. A redelivered event therefore
writes the same rows again, and `judge` recognises it by its source's stored id.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from services.common.ids import id_time_ms, min_id_at
from services.common.visibility import Visibility
from services.notification.domain.model import (
    Blocked,
    CommentCreated,
    CommentDeleted,
    Draft,
    DropRule,
    FollowChange,
    FollowStep,
    Kind,
    Notification,
    Occurrence,
    PostDeleted,
    PostLiked,
    PostPublished,
    PostUnliked,
    SourceRemoval,
    SubjectRemoval,
)

_LOW_BITS = 22  # the worker and sequence bits of services.common.ids


def notification_id(event_id: str, recipient_id: int, kind: Kind, occur_ms: int) -> int:
    digest = hashlib.blake2b(f"{event_id}:{recipient_id}:{kind.value}".encode(), digest_size=8).digest()
    return min_id_at(occur_ms) | (int.from_bytes(digest, "big") & ((1 << _LOW_BITS) - 1))


def post_subject(post_id: int) -> str:
    return f"post:{post_id}"


def comment_subject(comment_id: int) -> str:
    return f"comment:{comment_id}"


def pair_subject(a: int, b: int) -> str:
    """The two users, whichever blocked whom."""
    low, high = sorted((a, b))
    return f"pair:{low}:{high}"


def source_of(kind: Kind, actor_id: int, post_id: int = 0, comment_id: int = 0) -> str:
    """What a notification is about for its recipient: one live notification per source at most."""
    match kind:
        case Kind.FOLLOW:
            return f"follow:{actor_id}"
        case Kind.FOLLOW_REQUEST:
            return f"request:{actor_id}"
        case Kind.LIKE:
            return f"like:{post_id}:{actor_id}"
        case Kind.COMMENT:
            return f"comment:{comment_id}"
        case Kind.MENTION:
            return f"mention:comment:{comment_id}" if comment_id else f"mention:post:{post_id}"
        case Kind.CLOSE_FRIEND_POST:
            return f"close_friends:{post_id}"


def draft(
    occurrence: Occurrence, recipient_id: int, kind: Kind, actor_id: int, *, post_id: int = 0, comment_id: int = 0
) -> Draft:
    subjects = [pair_subject(recipient_id, actor_id)]
    if post_id:
        subjects.append(post_subject(post_id))
    if comment_id:
        subjects.append(comment_subject(comment_id))
    return Draft(
        notification=Notification(
            id=notification_id(occurrence.event_id, recipient_id, kind, occurrence.occur_ms),
            recipient_id=recipient_id,
            kind=kind,
            actor_id=actor_id,
            post_id=post_id,
            comment_id=comment_id,
        ),
        source=source_of(kind, actor_id, post_id, comment_id),
        subjects=tuple(subjects),
        event_id=occurrence.event_id,
        occur_ms=occurrence.occur_ms,
    )


@dataclass(frozen=True)
class MentionLookup:
    """Mentions to resolve with the peers: the users (by id from a post, by handle from a comment) who may see the
    post get a MENTION. `visibility` and `author_id` are known for a post's own mentions; for a comment the post
    service says (and a post it no longer has is deleted)."""

    actor_id: int
    post_id: int
    comment_id: int = 0
    user_ids: tuple[int, ...] = ()
    handles: tuple[str, ...] = ()
    author_id: int | None = None
    visibility: Visibility | None = None


@dataclass(frozen=True)
class CloseFriendsLookup:
    """A CLOSE_FRIENDS post: each of the author's close friends who may see it gets a CLOSE_FRIEND_POST."""

    author_id: int
    post_id: int


@dataclass(frozen=True)
class Plan:
    drafts: list[Draft] = field(default_factory=list)
    source_removals: list[SourceRemoval] = field(default_factory=list)
    subject_removals: list[SubjectRemoval] = field(default_factory=list)
    mentions: MentionLookup | None = None
    close_friends: CloseFriendsLookup | None = None


def plan(occurrence: Occurrence) -> Plan:
    """What one event asks for. Drafts for the actor themselves are included: `judge` drops them (and counts it)."""
    at = occurrence.occur_ms
    match occurrence.change:
        case FollowChange(step=step, follower_id=follower, followee_id=followee):
            kind = Kind.FOLLOW if step in (FollowStep.FOLLOWED, FollowStep.UNFOLLOWED) else Kind.FOLLOW_REQUEST
            if step in (FollowStep.FOLLOWED, FollowStep.REQUESTED):
                return Plan(drafts=[draft(occurrence, followee, kind, follower)])
            return Plan(source_removals=[SourceRemoval(followee, source_of(kind, follower), at)])
        case Blocked(blocker_id=blocker, blocked_id=blocked):
            return Plan(subject_removals=[SubjectRemoval(pair_subject(blocker, blocked), at)])
        case PostPublished(post_id=post, author_id=author, visibility=visibility, mention_ids=mentioned):
            return Plan(
                mentions=MentionLookup(
                    actor_id=author, post_id=post, user_ids=mentioned, author_id=author, visibility=visibility
                )
                if mentioned
                else None,
                close_friends=CloseFriendsLookup(author, post) if visibility is Visibility.CLOSE_FRIENDS else None,
            )
        case PostDeleted(post_id=post):
            return Plan(subject_removals=[SubjectRemoval(post_subject(post), at)])
        case PostLiked(post_id=post, user_id=user, post_author_id=author):
            return Plan(drafts=[draft(occurrence, author, Kind.LIKE, user, post_id=post)])
        case PostUnliked(post_id=post, user_id=user, post_author_id=author):
            return Plan(source_removals=[SourceRemoval(author, source_of(Kind.LIKE, user, post), at)])
        case CommentCreated(comment_id=comment, post_id=post, author_id=author, post_author_id=post_author):
            handles = occurrence.change.mention_handles
            return Plan(
                drafts=[draft(occurrence, post_author, Kind.COMMENT, author, post_id=post, comment_id=comment)],
                mentions=MentionLookup(actor_id=author, post_id=post, comment_id=comment, handles=handles)
                if handles
                else None,
            )
        case CommentDeleted(comment_id=comment):
            return Plan(subject_removals=[SubjectRemoval(comment_subject(comment), at)])
    raise TypeError(f"not a change: {occurrence.change!r}")


_UNDOABLE = frozenset({Kind.FOLLOW, Kind.FOLLOW_REQUEST, Kind.LIKE})


def undoable(candidate: Draft) -> bool:
    """Whether an undo (a SourceRemoval: an unfollow, a settled request, an unlike) can take the draft's source away;
    mentions, comments and close-friends posts go only with their subjects (a deleted post or comment, a block)."""
    return candidate.notification.kind in _UNDOABLE


@dataclass(frozen=True)
class StoredSource:
    """What is stored for a recipient's source: the live notification's id, or when it was taken away."""

    notification_id: int | None
    removed_at_ms: int | None


@dataclass(frozen=True)
class Verdict:
    """Write the draft (dropped is None), replacing the source's older notification if `replaces` is set."""

    dropped: DropRule | None
    replaces: int | None = None


def judge(candidate: Draft, source: StoredSource | None, tombstones: dict[str, int]) -> Verdict:
    """May the draft be written? `tombstones` holds the removal time of each of its subjects that was removed."""
    n = candidate.notification
    if n.actor_id == n.recipient_id:
        return Verdict(DropRule.OWN_ACTION)
    for subject in candidate.subjects:
        if subject not in tombstones:
            continue
        if not subject.startswith("pair:"):  # deleted posts and comments stay deleted
            return Verdict(DropRule.DELETED)
        if tombstones[subject] >= candidate.occur_ms:  # blocked after it happened; a later event means unblocked
            return Verdict(DropRule.BLOCKED)
    if source is None:
        return Verdict(None)
    if source.notification_id == n.id:
        return Verdict(DropRule.DUPLICATE)
    if source.removed_at_ms is not None and source.removed_at_ms >= candidate.occur_ms:
        return Verdict(DropRule.SUPERSEDED)
    if source.notification_id is not None and source.notification_id > n.id:
        return Verdict(DropRule.SUPERSEDED)  # a newer event of the same source is already stored
    return Verdict(None, replaces=source.notification_id)


def removal_target(source: StoredSource | None, at_ms: int) -> int | None:
    """The live notification a source removal at `at_ms` takes away: none when it came from a later event (a like
    after the unlike being replayed)."""
    if source is None or source.notification_id is None:
        return None
    return source.notification_id if id_time_ms(source.notification_id) <= at_ms else None


def taken_by(removal: SubjectRemoval, notification_id: int) -> bool:
    """Whether a subject removal takes this notification away: a deleted post or comment takes all of its, a block
    only what happened up to it (a replayed block must not take what came after an unblock)."""
    return not removal.subject.startswith("pair:") or id_time_ms(notification_id) <= removal.at_ms


def mention_drafts(occurrence: Occurrence, lookup: MentionLookup, recipients: list[int]) -> list[Draft]:
    return [
        draft(occurrence, user, Kind.MENTION, lookup.actor_id, post_id=lookup.post_id, comment_id=lookup.comment_id)
        for user in recipients
    ]


def close_friend_drafts(occurrence: Occurrence, lookup: CloseFriendsLookup, friends: list[int]) -> list[Draft]:
    return [
        draft(occurrence, friend, Kind.CLOSE_FRIEND_POST, lookup.author_id, post_id=lookup.post_id)
        for friend in friends
    ]
