"""The notification rules without servers: what each event asks for, and when a draft may be written."""

from __future__ import annotations

import pytest

from services.common.ids import id_time_ms
from services.common.visibility import Visibility
from services.notification.domain import model, rules
from services.notification.domain.model import DropRule, FollowStep, Kind
from services.notification.domain.rules import StoredSource, judge, plan

T = 1_800_000_000_000  # ms
FOLLOWED, REQUESTED = FollowStep.FOLLOWED, FollowStep.REQUESTED


def occurrence(change: model.Change, at: int = T, event_id: str = "ev-1") -> model.Occurrence:
    return model.Occurrence(event_id, at, change)


def only_draft(change: model.Change, at: int = T) -> model.Draft:
    (draft,) = plan(occurrence(change, at)).drafts
    return draft


def test_ids_are_deterministic_time_ordered_and_distinct_per_recipient() -> None:
    one = rules.notification_id("ev", 7, Kind.LIKE, T)
    assert one == rules.notification_id("ev", 7, Kind.LIKE, T)
    assert id_time_ms(one) == T
    assert one != rules.notification_id("ev", 8, Kind.LIKE, T)
    assert one != rules.notification_id("ev", 7, Kind.MENTION, T)
    assert rules.notification_id("ev", 7, Kind.LIKE, T + 1) > rules.notification_id("zz", 7, Kind.LIKE, T)


def test_each_event_asks_for_its_notification() -> None:
    follow = only_draft(model.FollowChange(FOLLOWED, 1, 2))
    assert (follow.notification.recipient_id, follow.notification.kind, follow.source) == (2, Kind.FOLLOW, "follow:1")
    request = only_draft(model.FollowChange(REQUESTED, 1, 2))
    assert (request.notification.kind, request.source) == (Kind.FOLLOW_REQUEST, "request:1")
    like = only_draft(model.PostLiked(post_id=9, user_id=1, post_author_id=2))
    assert (like.notification.recipient_id, like.source) == (2, "like:9:1")
    assert set(like.subjects) == {"post:9", "pair:1:2"}
    comment = plan(occurrence(model.CommentCreated(5, 9, 1, 2, ("bo",))))
    (drafted,) = comment.drafts
    assert (drafted.notification.kind, drafted.notification.comment_id, drafted.source) == (
        Kind.COMMENT,
        5,
        "comment:5",
    )
    assert set(drafted.subjects) == {"post:9", "comment:5", "pair:1:2"}
    assert comment.mentions == rules.MentionLookup(actor_id=1, post_id=9, comment_id=5, handles=("bo",))


def test_undos_and_deletions_ask_for_removals() -> None:
    assert plan(occurrence(model.PostUnliked(9, 1, 2))).source_removals == [model.SourceRemoval(2, "like:9:1", T)]
    assert plan(occurrence(model.FollowChange(FollowStep.UNFOLLOWED, 1, 2))).source_removals == [
        model.SourceRemoval(2, "follow:1", T)
    ]
    assert plan(occurrence(model.FollowChange(FollowStep.REQUEST_SETTLED, 1, 2))).source_removals == [
        model.SourceRemoval(2, "request:1", T)
    ]
    assert plan(occurrence(model.PostDeleted(9))).subject_removals == [model.SubjectRemoval("post:9", T)]
    assert plan(occurrence(model.CommentDeleted(5))).subject_removals == [model.SubjectRemoval("comment:5", T)]
    blocked = plan(occurrence(model.Blocked(blocker_id=8, blocked_id=3))).subject_removals
    assert blocked == [model.SubjectRemoval("pair:3:8", T)]


def test_a_post_asks_for_mentions_and_close_friends() -> None:
    public = plan(occurrence(model.PostPublished(9, 1, Visibility.PUBLIC, (2, 3))))
    assert public.mentions is not None and public.mentions.user_ids == (2, 3) and public.close_friends is None
    friends = plan(occurrence(model.PostPublished(9, 1, Visibility.CLOSE_FRIENDS, ())))
    assert friends.mentions is None and friends.close_friends == rules.CloseFriendsLookup(1, 9)


def test_never_for_your_own_action() -> None:
    assert judge(only_draft(model.PostLiked(9, 1, 1)), None, {}).dropped is DropRule.OWN_ACTION


def test_a_redelivered_event_is_a_duplicate() -> None:
    draft = only_draft(model.PostLiked(9, 1, 2))
    assert judge(draft, None, {}).dropped is None
    assert judge(draft, StoredSource(draft.notification.id, None), {}).dropped is DropRule.DUPLICATE


def test_an_undo_that_came_first_supersedes_the_late_event() -> None:
    draft = only_draft(model.FollowChange(REQUESTED, 1, 2), at=T)
    assert judge(draft, StoredSource(None, T + 5), {}).dropped is DropRule.SUPERSEDED
    assert judge(draft, StoredSource(None, T - 5), {}).dropped is None  # an older request was settled: a new one


def test_a_newer_event_of_the_source_wins_over_a_replayed_older_one() -> None:
    old = only_draft(model.PostLiked(9, 1, 2), at=T)
    newer = rules.notification_id("ev-2", 2, Kind.LIKE, T + 100)
    assert judge(old, StoredSource(newer, T + 50), {}).dropped is DropRule.SUPERSEDED
    older = rules.notification_id("ev-0", 2, Kind.LIKE, T - 100)
    assert judge(old, StoredSource(older, None), {}) == rules.Verdict(None, replaces=older)


@pytest.mark.parametrize("removed_at", [T - 1, T, T + 1])
def test_deleted_posts_and_comments_stay_deleted(removed_at: int) -> None:
    draft = only_draft(model.PostLiked(9, 1, 2))
    assert judge(draft, None, {"post:9": removed_at}).dropped is DropRule.DELETED


def test_a_block_drops_what_happened_before_it_only() -> None:
    draft = only_draft(model.PostLiked(9, 1, 2), at=T)
    assert judge(draft, None, {"pair:1:2": T}).dropped is DropRule.BLOCKED
    assert judge(draft, None, {"pair:1:2": T - 1}).dropped is None  # blocked, unblocked, then liked


def test_a_removal_takes_only_what_happened_up_to_it() -> None:
    live = rules.notification_id("ev", 2, Kind.LIKE, T)
    assert rules.removal_target(StoredSource(live, None), T) == live
    assert rules.removal_target(StoredSource(live, None), T - 1) is None  # a replayed unlike before a re-like
    assert rules.removal_target(StoredSource(None, T - 1), T) is None
    assert rules.taken_by(model.SubjectRemoval("post:9", T - 10), live)
    assert not rules.taken_by(model.SubjectRemoval("pair:1:2", T - 10), live)
    assert rules.taken_by(model.SubjectRemoval("pair:1:2", T), live)


def test_mention_sources_tell_a_post_from_a_comment() -> None:
    assert rules.source_of(Kind.MENTION, 1, post_id=9) == "mention:post:9"
    assert rules.source_of(Kind.MENTION, 1, post_id=9, comment_id=5) == "mention:comment:5"


def test_only_what_an_undo_takes_away_is_undoable() -> None:
    undos: list[model.Change] = [
        model.FollowChange(FollowStep.UNFOLLOWED, 1, 2),
        model.FollowChange(FollowStep.REQUEST_SETTLED, 1, 2),
        model.PostUnliked(post_id=9, user_id=1, post_author_id=2),
    ]
    undone = [only_draft(c) for c in (model.FollowChange(FOLLOWED, 1, 2), model.FollowChange(REQUESTED, 1, 2))]
    undone.append(only_draft(model.PostLiked(post_id=9, user_id=1, post_author_id=2)))
    assert [d.source for d in undone] == [plan(occurrence(c)).source_removals[0].source for c in undos]
    assert all(rules.undoable(d) for d in undone)
    comment = only_draft(model.CommentCreated(5, 9, 1, 2, ()))
    mention = rules.mention_drafts(occurrence(model.PostPublished(9, 1, Visibility.PUBLIC, (3,))), _mention(), [3])[0]
    assert not rules.undoable(comment) and not rules.undoable(mention)


def _mention() -> rules.MentionLookup:
    return rules.MentionLookup(actor_id=1, post_id=9, user_ids=(3,), author_id=1, visibility=Visibility.PUBLIC)
