"""How a consumed batch's drafts and removals are grouped, without servers."""

from __future__ import annotations

from services.notification.domain import batches, model
from services.notification.domain.model import DropRule, SourceRemoval, SubjectRemoval
from services.notification.domain.rules import plan

T = 1_800_000_000_000  # ms


def like(user: int, at: int, event_id: str, author: int = 2, post: int = 9) -> model.Draft:
    (draft,) = plan(model.Occurrence(event_id, at, model.PostLiked(post, user, author))).drafts
    return draft


def test_the_newest_draft_of_each_source_is_kept_and_the_rest_counted() -> None:
    first, again, later, other = like(1, T, "a"), like(1, T, "a"), like(1, T + 5, "b"), like(3, T, "c")
    own = like(2, T, "d")
    drafted = batches.newest_per_source([later, first, again, other, own])
    assert drafted.kept == [later, other]
    assert sorted(r.value for r in drafted.dropped) == sorted(
        [DropRule.SUPERSEDED.value, DropRule.SUPERSEDED.value, DropRule.OWN_ACTION.value]
    )
    drafted = batches.newest_per_source([first, again])
    assert (drafted.kept, drafted.dropped) == ([first], [DropRule.DUPLICATE])


def test_same_source_for_different_recipients_is_not_merged() -> None:
    to_two, to_four = like(1, T, "a", author=2), like(1, T, "a", author=4)
    assert batches.newest_per_source([to_two, to_four]).kept == [to_two, to_four]


def test_removals_of_one_target_stay_in_order_and_targets_are_apart() -> None:
    unlike = SourceRemoval(2, "like:9:1", T)
    unlike_again = SourceRemoval(2, "like:9:1", T + 1)
    other_recipient = SourceRemoval(3, "like:9:1", T)
    block, block_again = SubjectRemoval("pair:1:2", T), SubjectRemoval("pair:1:2", T + 2)
    groups = batches.removals_by_target([unlike, block, other_recipient, unlike_again, block_again])
    assert groups == [[unlike, unlike_again], [block, block_again], [other_recipient]]
