"""Which online features are written: the pairs a feed may rank (current follows of active viewers, and pairs with
activity), and only rows that are not all zeros (a missing key reads as zeros)."""

from __future__ import annotations

from services.training.domain.online import online_features
from tests.unit.training.scenario import at, make


def test_pairs_of_active_viewers_and_no_all_zero_rows() -> None:
    history = make(
        user_followed=[
            {"occur_time": at(0), "follower_id": 1, "followee_id": 2},
            {"occur_time": at(0), "follower_id": 2, "followee_id": 1},
            {"occur_time": at(0), "follower_id": 1, "followee_id": 3},
            {"occur_time": at(0), "follower_id": 9, "followee_id": 2},  # 9 never reads a feed: no features
        ],
        user_unfollowed=[{"occur_time": at(1), "follower_id": 1, "followee_id": 3}],
        post_published=[
            {"occur_time": at(2), "post_id": 50, "author_id": 2},
            {"occur_time": at(2), "post_id": 51, "author_id": 4},
        ],
        post_liked=[{"occur_time": at(3), "post_id": 50, "user_id": 1, "post_author_id": 2}],
    )
    online = online_features(history, at(4), active_days=30, post_days=7)
    pairs = {(r["viewer_id"], r["author_id"]): r for r in online.affinity.iter_rows(named=True)}
    assert set(pairs) == {(1, 2)}  # 1 -> 3 was unfollowed, 9 is not active
    assert pairs[(1, 2)]["is_mutual_follow"] == 1 and pairs[(1, 2)]["aff_likes_1d"] == 1
    assert set(online.post["post_id"]) == {50}  # 51 has nothing but zeros
    assert set(online.author["author_id"]) == {2, 4}  # both posted this week
