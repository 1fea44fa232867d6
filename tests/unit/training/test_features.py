"""The features of a small known scenario, point in time: only what happened before each query counts."""

from __future__ import annotations

import math
from datetime import timedelta

import polars as pl
import pytest

from services.common import ranking_features
from services.common.ranking_features import FEATURE_NAMES
from services.training.domain.events import History
from services.training.domain.features import affinity, all_features, author, post
from services.training.domain.labels import training_rows
from tests.unit.training.scenario import at, make

VIEWER, AUTHOR, OTHER = 1, 2, 3
POST_A, POST_B = 100, 101


def scenario() -> History:
    return make(
        post_published=[
            {"occur_time": at(0), "post_id": POST_A, "author_id": AUTHOR, "create_time": at(0), "has_media": True},
            {"occur_time": at(30), "post_id": POST_B, "author_id": AUTHOR, "create_time": at(30)},
        ],
        post_liked=[
            {"occur_time": at(1), "post_id": POST_A, "user_id": VIEWER, "post_author_id": AUTHOR},
            {"occur_time": at(2), "post_id": POST_A, "user_id": OTHER, "post_author_id": AUTHOR},
            {"occur_time": at(31), "post_id": POST_B, "user_id": VIEWER, "post_author_id": AUTHOR},
        ],
        post_unliked=[{"occur_time": at(3), "post_id": POST_A, "user_id": OTHER, "post_author_id": AUTHOR}],
        comment_created=[
            {"occur_time": at(4), "post_id": POST_A, "author_id": VIEWER, "post_author_id": AUTHOR, "comment_id": 7}
        ],
        feed_impression=[
            {"occur_time": at(0.5), "viewer_id": VIEWER, "post_id": POST_A, "author_id": AUTHOR, "page_id": "p1"},
            {"occur_time": at(30.5), "viewer_id": VIEWER, "post_id": POST_B, "author_id": AUTHOR, "page_id": "p2"},
        ],
        user_followed=[
            {"occur_time": at(0), "follower_id": VIEWER, "followee_id": AUTHOR},
            {"occur_time": at(5), "follower_id": AUTHOR, "followee_id": VIEWER},
        ],
        user_unfollowed=[{"occur_time": at(40), "follower_id": AUTHOR, "followee_id": VIEWER}],
        close_friends_changed=[{"occur_time": at(6), "owner_id": AUTHOR, "friend_id": VIEWER, "added": True}],
    )


def query(hours: float, post_id: int = POST_A) -> pl.DataFrame:
    return pl.DataFrame(
        {"viewer_id": [VIEWER], "author_id": [AUTHOR], "post_id": [post_id], "at": [at(hours)]},
        schema_overrides={"at": pl.Datetime("us", "UTC")},
    )


def test_affinity_counts_only_the_past_and_the_graph_as_it_was() -> None:
    history = scenario()
    before = affinity(query(1), history).row(0, named=True)  # the like at exactly t=1 is not before t=1
    assert before["aff_likes_1d"] == 0 and before["aff_impressions_7d"] == 1
    assert before["is_mutual_follow"] == 0 and before["is_close_friend"] == 0
    later = affinity(query(10), history).row(0, named=True)
    assert later["aff_likes_1d"] == 1 and later["aff_comments_30d"] == 1
    assert later["aff_engage_rate_30d"] == pytest.approx(2 / (1 + 5))
    assert later["is_mutual_follow"] == 1 and later["is_close_friend"] == 1
    next_day = affinity(query(35), history).row(0, named=True)
    assert next_day["aff_likes_1d"] == 1 and next_day["aff_likes_7d"] == 2  # the first like left the 1-day window
    assert affinity(query(41), history).row(0, named=True)["is_mutual_follow"] == 0  # unfollowed at t=40


def test_author_and_post_rates_net_of_unlikes() -> None:
    history = scenario()
    row = author(query(10), history).row(0, named=True)
    # likes on the author's posts in 7 days: 2 (the unlike is not a like); engagements 3 (2 likes + 1 comment)
    assert row["author_posts_7d"] == 1 and row["author_likes_per_post_7d"] == 2
    assert row["author_engage_rate_7d"] == pytest.approx(3 / (1 + 20))
    p = post(query(2.5), history).row(0, named=True)
    assert p["post_likes_1h"] == 1  # the like at t=2, not the one at t=1
    assert p["post_engage_rate"] == pytest.approx(2 / (1 + 20))


def test_candidate_group_matches_the_online_formula() -> None:
    history = scenario()
    published = pl.lit(at(0)).cast(pl.Datetime("us", "UTC")).alias("post_create_time")
    q = query(10).with_columns(published, pl.lit(True).alias("has_media"))
    row = all_features(q, history).row(0, named=True)
    online = ranking_features.candidate_group(
        VIEWER,
        ranking_features.Candidate(author_id=AUTHOR, age_hours=10, likes=1, comments=1, shares=0, has_media=True),
    )
    assert [row[n] for n in ranking_features.CANDIDATE] == pytest.approx(online)
    assert all(not math.isnan(row[n]) for n in FEATURE_NAMES)


def test_a_training_row_never_sees_the_engagement_it_is_labelled_with() -> None:
    history = make(
        feed_impression=[
            {"occur_time": at(0), "viewer_id": VIEWER, "post_id": POST_A, "author_id": AUTHOR, "page_id": "p"},
            {"occur_time": at(2), "viewer_id": VIEWER, "post_id": POST_B, "author_id": AUTHOR, "page_id": "q"},
        ],
        post_liked=[{"occur_time": at(0.1), "post_id": POST_A, "user_id": VIEWER, "post_author_id": AUTHOR}],
    )
    rows = training_rows(history, timedelta(hours=1)).rows(named=True)
    assert [r["label"] for r in rows] == [1, 0]
    assert rows[0]["aff_likes_1d"] == 0 and rows[0]["post_engage_rate"] == 0 and rows[0]["log_likes"] == 0
    assert rows[1]["aff_likes_1d"] == 1  # the next impression of the author sees it
    assert set(FEATURE_NAMES) <= set(rows[0])
