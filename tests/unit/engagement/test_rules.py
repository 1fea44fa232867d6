"""The engagement domain's rules, without servers."""

from __future__ import annotations

import datetime as dt

import pytest

from services.common.errors import InvalidArgument
from services.common.pagination import encode_cursor
from services.engagement.adapters.idempotency_keys import decode_answer, encode_answer
from services.engagement.adapters.postgres import lock_key
from services.engagement.domain import comments
from services.engagement.domain.model import (
    Answer,
    Comment,
    CounterKind,
    Counts,
    LikeState,
    ShareCount,
    check_batch,
    created_at_of,
    require_positive,
)

POLICY = comments.comment_policy(("badword",), max_links=2)


def test_comment_text_is_trimmed_and_limited_to_1000_characters() -> None:
    assert POLICY.check("  hi there \r\n") == "hi there"
    assert POLICY.check("x" * 1000) == "x" * 1000
    with pytest.raises(InvalidArgument) as caught:
        POLICY.check(" " + "x" * 1001 + " ")
    assert caught.value.reason == "TEXT_TOO_LONG" and "1000" in caught.value.message
    for bad, reason in [("", "TEXT_EMPTY"), (" \n\t ", "TEXT_EMPTY"), ("a BadWord", "TEXT_BLOCKED_WORD")]:
        with pytest.raises(InvalidArgument) as caught:
            POLICY.check(bad)
        assert caught.value.reason == reason
    with pytest.raises(InvalidArgument):
        POLICY.check("http://a.example http://b.example http://c.example")


def test_mentions_are_the_handles_notifications_resolve() -> None:
    assert comments.mentioned_handles("hey @Alice_1 and @bob, mail me@x.org, @alice_1 again") == ["alice_1", "bob"]
    assert comments.mentioned_handles("no one") == []


def test_the_identical_comment_window_is_ten_minutes() -> None:
    now = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
    assert comments.identical_since(now) == dt.datetime(2026, 12, 6, 11, 50, tzinfo=dt.UTC)


def test_comment_cursor_round_trips_and_refuses_garbage() -> None:
    assert comments.decode_after("") == 0
    cursor = comments.next_cursor([5, 9, 12], more=True)
    assert comments.decode_after(cursor) == 12
    assert comments.next_cursor([5, 9], more=False) == ""
    assert comments.next_cursor([], more=True) == ""
    for bad in ["%%%", encode_cursor({"after": 0}), encode_cursor({"after": -3}), encode_cursor({"after": "12"})]:
        with pytest.raises(InvalidArgument) as caught:
            comments.decode_after(bad)
        assert caught.value.reason == "BAD_CURSOR"


def test_ids_and_batches() -> None:
    assert require_positive(7, "post_id") == 7
    with pytest.raises(InvalidArgument) as caught:
        require_positive(0, "post_id")
    assert caught.value.reason == "BAD_POST_ID"
    assert check_batch([3, 1, 3]) == [3, 1, 3]
    with pytest.raises(InvalidArgument):
        check_batch([1, -2])
    with pytest.raises(InvalidArgument) as caught:
        check_batch(list(range(1, 1002)))
    assert caught.value.reason == "TOO_MANY_IDS"


def test_counts_by_kind() -> None:
    counts = Counts(likes=3, comments=2, shares=1)
    assert [counts.of(k) for k in CounterKind] == [3, 2, 1]


def test_answers_round_trip_as_stored() -> None:
    comment = Comment(1 << 30, 42, 7, 'héllo "quoted"', created_at_of(1 << 30))
    answers: list[Answer] = [LikeState(True, 3), LikeState(False, 0), ShareCount(12), comment]
    for answer in answers:
        assert decode_answer(encode_answer(answer)) == answer
    assert decode_answer(None) is None


def test_lock_keys_are_per_kind_post_and_member() -> None:
    assert lock_key(CounterKind.LIKES, 1, 2) == lock_key(CounterKind.LIKES, 1, 2)
    keys = {lock_key(CounterKind.LIKES, 1, 2), lock_key(CounterKind.LIKES, 2, 1), lock_key(CounterKind.COMMENTS, 1, 2)}
    assert len(keys) == 3
    assert all(-(1 << 63) <= k < (1 << 63) for k in keys)
