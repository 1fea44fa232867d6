"""The checker's reading of PostgreSQL's rows against the acknowledged operations (bench/chaos_checker.py
`check_rows`), on rows made up here: a retry that made a second row, a lost like, a deleted post."""

from __future__ import annotations

from bench.chaos_checker import Findings, Rows, check_rows, pick_viewers
from bench.chaos_ledger import AckedComment, AckedPost, Ledger

TOKEN_A, TOKEN_B = "cp" + "a" * 16, "cp" + "b" * 16
COMMENT = "cc" + "c" * 16


def _ledger() -> Ledger:
    ledger = Ledger(users={1: "one", 2: "two"})
    ledger.posts = {10: AckedPost(10, 1, TOKEN_A, 1.0), 11: AckedPost(11, 2, TOKEN_B, 2.0)}
    ledger.follows = {(1, 2): 3.0}
    ledger.likes = {(2, 10): 4.0}
    ledger.comments = {50: AckedComment(50, 10, 2, COMMENT, 5.0)}
    return ledger


def _rows(**changes: object) -> Rows:
    rows = Rows(
        posts={10: (1, f"chaos post {TOKEN_A}", False), 11: (2, f"chaos post {TOKEN_B}", False)},
        follows={(1, 2)},
        likes=[(2, 10)],
        comments={50: (10, 2, f"chaos comment {COMMENT}")},
        recount={10: (1, 1)},
    )
    for key, value in changes.items():
        setattr(rows, key, value)
    return rows


def test_everything_acknowledged_found_once_is_fine() -> None:
    findings = Findings()
    check_rows(_ledger(), _rows(), findings)
    assert findings.ok and findings.checked["pg_posts"] == 2


def test_a_second_row_of_one_post_is_doubled_and_a_missing_like_and_follow_are_lost() -> None:
    findings = Findings()
    posts = {**_rows().posts, 12: (1, f"chaos post {TOKEN_A}", False)}  # a retry the server did not recognise
    check_rows(_ledger(), _rows(posts=posts, likes=[], follows=set()), findings)
    assert findings.doubled == {"posts": [f"{TOKEN_A}: 2 rows"]}
    assert set(findings.lost) == {"likes", "follows"} and findings.lost_times["likes"] == [4.0]
    assert not findings.ok


def test_a_deleted_or_missing_post_and_a_missing_comment_are_lost() -> None:
    findings = Findings()
    posts = {10: (1, f"chaos post {TOKEN_A}", True)}
    check_rows(_ledger(), _rows(posts=posts, comments={}), findings)
    assert len(findings.lost["posts"]) == 2  # 10 deleted, 11 gone
    assert findings.lost["comments"] == ["comment 50"]


def test_viewers_are_the_busiest_followers_then_the_newest_accounts() -> None:
    ledger = Ledger()
    ledger.follows = {(1, 2): 0.0, (1, 3): 0.0, (2, 3): 0.0, (4, 1): 0.0}
    ledger.registered = {7: 1.0, 8: 2.0}
    assert pick_viewers(ledger, 4) == [1, 2, 4, 8]
    assert pick_viewers(ledger, 8)[:3] == [1, 2, 4] and set(pick_viewers(ledger, 8)) == {1, 2, 4, 7, 8}
