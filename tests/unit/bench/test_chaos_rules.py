"""The checker's rules of `make chaos`: the model of a home feed, what counts as lost or doubled, repeated
notifications and the ones owed, counters against their recount, and the per-fault figures of the report."""

from __future__ import annotations

from bench.chaos_full_report import BEGIN, END, markdown, replace_section, section_of
from bench.chaos_load import Sample
from bench.chaos_rules import (
    FaultWindow,
    counter_mismatches,
    expected_feed,
    expected_notifications,
    fault_figures,
    feed_diff,
    is_error,
    is_violation,
    notification_duplicates,
    notification_keys,
    once_each,
    window_of,
)


def _s(started: float, status: str, *, seconds: float = 0.1, retry_after: bool = False, op: str = "post") -> Sample:
    return Sample(op, started, seconds, status, retry_after)


def test_only_a_5xx_other_than_a_503_with_retry_after_violates_the_contract() -> None:
    assert is_violation(_s(0, "500")) and is_violation(_s(0, "502", retry_after=True))
    assert is_violation(_s(0, "503")) and not is_violation(_s(0, "503", retry_after=True))
    assert not is_violation(_s(0, "timeout")) and not is_violation(_s(0, "error")) and not is_violation(_s(0, "429"))
    assert is_error(_s(0, "timeout")) and is_error(_s(0, "503", retry_after=True)) and not is_error(_s(0, "404"))


def test_the_feed_holds_the_followed_accounts_and_own_posts_newest_first() -> None:
    follows = {(1, 2), (1, 3), (2, 1), (4, 1)}
    posts = {10: 1, 11: 2, 12: 3, 13: 4, 14: 2, 15: 5}
    assert expected_feed(1, follows, posts) == [14, 12, 11, 10]
    assert expected_feed(5, follows, posts) == [15]  # follows nobody: own posts only
    assert expected_feed(9, follows, posts) == []


def test_a_feed_diff_names_missing_extra_doubled_and_misordered_posts() -> None:
    assert feed_diff([14, 12, 10], [14, 12, 10]).exact
    diff = feed_diff([14, 13, 13, 10], [14, 12, 10])
    assert diff.missing == [12] and diff.extra == [13] and diff.duplicates == [13] and not diff.exact
    assert feed_diff([10, 14, 12], [14, 12, 10]).out_of_order


def test_once_each_names_acknowledged_keys_not_found_and_keys_found_twice() -> None:
    missing, doubled = once_each(["a", "b", "c"], ["a", "c", "c", "z"])
    assert missing == ["b"] and doubled == ["c"]
    assert once_each([(1, 2)], [(1, 2)]) == ([], [])


def test_a_notification_told_twice_is_a_duplicate_but_two_likes_of_two_posts_are_not() -> None:
    like = {"id": "1", "kind": "LIKE", "actor": {"id": "7"}, "postId": "100"}
    other = {"id": "2", "kind": "LIKE", "actor": {"id": "7"}, "postId": "101"}
    again = {**like, "id": "3"}
    assert notification_duplicates([like, other]) == []
    assert notification_duplicates([like, other, again]) == [("LIKE", 7, 100, 0)]
    follow = {"id": "4", "kind": "FOLLOW", "actor": {"id": "7"}}
    assert notification_duplicates([follow, follow]) == [("FOLLOW", 7, 0, 0), ("same id 4", 0, 0, 0)]


def test_each_follow_like_and_comment_on_someone_elses_live_post_is_owed_to_its_recipient() -> None:
    posts = {10: 1, 11: 2}  # live post -> author; post 12 was deleted
    owed = expected_notifications(
        follows={(2, 1): 1.0, (3, 3): 1.5},
        likes={(2, 10): 2.0, (1, 10): 2.5, (3, 12): 3.0},
        comments=[(500, 11, 1, 4.0), (501, 11, 2, 4.5)],
        post_authors=posts,
    )
    assert owed == {
        1: {("FOLLOW", 2, 0, 0): 1.0, ("LIKE", 2, 10, 0): 2.0},
        2: {("COMMENT", 1, 11, 500): 4.0},
    }
    shown = [{"kind": "LIKE", "actor": {"id": "2"}, "postId": "10"}, {"kind": "FOLLOW", "actor": {"id": "2"}}]
    assert set(notification_keys(shown)) == set(owed[1])
    assert ("COMMENT", 1, 11, 500) not in notification_keys(shown)


def test_counters_must_equal_the_recount_and_a_post_without_rows_counts_zero() -> None:
    shown = {1: (2, 1), 2: (0, 0), 3: (1, 0)}
    assert counter_mismatches(shown, {1: (2, 1), 3: (2, 0)}) == {3: ((1, 0), (2, 0))}


def test_figures_per_fault_count_errors_violations_recovery_and_losses_in_its_window() -> None:
    windows = [FaultWindow("kill redis", "kill", 10, 14, 30), FaultWindow("pause kafka", "pause", 30, 50, 80)]
    attempts = [
        _s(5, "500"),  # before the faults: no window
        _s(11, "503", retry_after=True, seconds=0.2),
        _s(12, "timeout", seconds=12),  # ends at 24: the window recovered 14 s after the kill
        _s(15, "200"),
        _s(31, "500"),
        _s(40, "200"),
        _s(41, "200"),
    ]
    kill, pause = fault_figures(windows, attempts, gave_up_at=[12.5], lost={"posts": [11.0, 60.0], "likes": []})
    assert (kill.attempts, kill.errors, kill.violations, kill.gave_up) == (3, 2, 0, 1)
    assert kill.recovery_seconds == 14 and kill.down_seconds == 4 and kill.lost == {"posts": 1}
    assert kill.error_rate == 2 / 3
    assert (pause.attempts, pause.errors, pause.violations) == (3, 1, 1)
    assert pause.recovery_seconds == 20  # nothing impaired after the pause ended: recovered when it ended
    assert pause.lost == {"posts": 1}
    assert window_of(5, windows) == "before faults" and window_of(35, windows) == "pause kafka"


def test_the_report_section_replaces_its_own_block_and_keeps_the_rest() -> None:
    page = "# Failure modes\n\nthe light run's table\n"
    once = replace_section(page, "first")
    assert once.startswith(page.rstrip()) and BEGIN in once and "first" in once
    twice = replace_section(once + "\ntail\n", "second")
    assert "first" not in twice and "second" in twice and twice.count(BEGIN) == 1 and twice.count(END) == 1
    assert twice.rstrip().endswith("tail") and section_of(twice).startswith(BEGIN)
    assert section_of(page) == ""


def test_the_markdown_has_a_row_per_fault_and_states_the_verdict() -> None:
    windows = [FaultWindow("kill svc-post", "kill", 0, 4, 10)]
    figures = fault_figures(windows, [_s(1, "503", retry_after=True)], [], {"posts": [2.0]})
    text = markdown(
        figures,
        started_at="now",
        command="make chaos",
        rates={"post": 1.0},
        acked={"posts": 3},
        verdict={"lost": {"posts": ["post 9"]}, "checked": {"feeds": 2}},
        violations=0,
        settle_seconds=5,
    )
    assert "| kill svc-post | 1 | 100.0% | 0 | 4.0 |" in text and "1 posts |" in text
    assert "lost 1," in text and "everything acknowledged" not in text


def test_the_docs_section_of_two_runs_has_every_fault_and_sums_the_verdicts() -> None:
    from bench.chaos_full import docs_from

    def report(fault: str, lost: dict[str, list[str]], stopped: str = "") -> dict[str, object]:
        figures = fault_figures([FaultWindow(fault, "kill", 0, 1, 2)], [_s(0.5, "503", retry_after=True)], [], {})
        return {
            "started_at": "t",
            "command": "make chaos",
            "faults": [f.as_dict() for f in figures],
            "checker": {"lost": lost, "checked": {"feeds": 4}},
            "acknowledged": {"posts": 5},
            "violations": 0,
            "settle_seconds": 3.0,
            "stopped_early": stopped,
        }

    text = docs_from(
        [report("kill redis", {"likes": ["x"]}, "ctl failed"), report("kill s3", {})], ["a.json", "b.json"]
    )
    assert "| kill redis | 1 |" in text and "| kill s3 | 1 |" in text
    assert "10 posts" in text and "lost 1," in text and "of 8" in text and "run 1: ctl failed" in text
