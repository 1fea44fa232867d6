"""The notification figures as table rows (printed, and the notification table of bench/results/latest.md; the files
are written by bench.latest). The delay target is judged on the bursts beside the feed's mix only."""

from __future__ import annotations

from typing import Any

from bench.report import Row, cpu_row, number
from bench.stats import below, ratio, verdict

DELAY_TARGET_MS = 1000.0
SERVICE = "svc-notification"  # its process's name in bench.process_cpu


def _quantiles(d: dict[str, Any]) -> str:
    return f"p50 {number(d['p50_ms'], ' ms')} / p99 {number(d['p99_ms'], ' ms')} (max {number(d['max_ms'], ' ms')})"


def _at_most(h: dict[str, Any]) -> str:
    return f"p50 <= {number(h['p50_ms_at_most'], ' ms')} / p99 <= {number(h['p99_ms_at_most'], ' ms')}"


def _counts(counts: dict[str, float]) -> str:
    return ", ".join(f"{k} {number(v)}" for k, v in counts.items()) or "none"


def _label(kind: str, burst: dict[str, Any]) -> str:
    if kind == "mentions":
        return (
            f"MENTION burst: {burst['events']:,} celebrity posts x 20 fans = {burst['notifications']:,} notifications"
        )
    return f"LIKE storm: {burst['events']:,} likes of one celebrity post = {burst['notifications']:,} notifications"


def exact(burst: dict[str, Any]) -> bool:
    """Every notification the burst should make became visible, once."""
    return (
        burst["missing_in_watched"] == 0
        and burst.get("missing", 0) == 0
        and burst.get("extra", 0) == 0
        and burst.get("unread_count_after", burst["notifications"]) == burst["notifications"]
    )


def burst_rows(kind: str, burst: dict[str, Any], where: str, judged: bool) -> list[Row]:
    d, h = burst["delay"], burst["histogram"]
    goal = f"p99 < {DELAY_TARGET_MS / 1000:g} s" if judged else "(info)"
    rows = [
        Row(
            f"{_label(kind, burst)}, {where}: notifications/s",
            f"{number(burst['notifications_per_second'], '/s')} (all visible {burst['seconds_to_last_visible']} s "
            "after the first event)",
            f"events made in {burst['events_seconds']} s",
            "",
            "(info)",
        ),
        Row(
            f"  event -> visible in the recipient's unread set, {d['count']:,} watched",
            _quantiles(d),
            "",
            "",
            goal,
            verdict(below(d["p99_ms"], DELAY_TARGET_MS)) if judged else "",
        ),
        Row(
            f"  event -> visible, the service's histogram (bucket bounds), n={h['count']:,.0f}",
            _at_most(h),
            target="(cross-check)" if judged else "(info)",
        ),
    ]
    for key, label in (
        ("commit_to_kafka", "stage event commit -> Kafka (the producer's outbox histogram)"),
        ("consumer_batch", "the notification consumer's batches (its histogram)"),
    ):
        stage = burst[key]
        rows.append(Row(f"  {label}, n={stage['count']:,.0f}", _at_most(stage), target="(info)"))
    if burst.get("stages"):
        spent = ", ".join(f"{name} {stage['seconds']:.2f}" for name, stage in burst["stages"].items())
        rows.append(Row("  the service's batch stages, seconds in all (its histogram)", spent, target="(info)"))
    if kind == "mentions":
        listed = burst["listed_delay"]
        rows.append(
            Row(
                f"  event -> listed by ListNotifications, n={listed['count']}",
                _quantiles(listed) + (f", {burst['listed_missing']} never" if burst["listed_missing"] else ""),
                target="(cross-check)" if judged else "(info)",
            )
        )
        there = f"missing {burst['missing']:,}, more than one {burst['extra']:,} (of {burst['notifications']:,} fans)"
    else:
        there = f"unread count after {burst['unread_count_after']:,} (of {burst['notifications']:,} likes)"
    rows.append(
        Row(
            "  every notification visible, once",
            f"{there}; watched not seen {burst['missing_in_watched']}; dropped by rule: {_counts(burst['dropped'])}",
            "",
            "",
            "all, once",
            verdict(exact(burst)),
        )
    )
    if burst["event_errors"]:
        rows.append(Row("  events refused", _counts(burst["event_errors"]), target="(info)"))
    rows.append(Row("  the notification consumer's lag, max", number(burst["consumer_lag_max"]), target="(info)"))
    if burst.get("cpu_percent_of_a_core"):
        cpu = burst["cpu_percent_of_a_core"]
        rows.append(cpu_row(cpu))
        per = ratio(cpu.get(SERVICE, 0.0) * 10, burst["notifications_per_second"])
        rows.append(Row(f"  {SERVICE} CPU per notification", number(per, " ms", 2), target="(info)"))
    return rows


def _feed_row(feed: dict[str, Any], mix: dict[str, Any]) -> list[Row]:
    v, pushed = feed["visible_all"], feed["redis_all"]
    offered = feed["settings"]["offered_deliveries_per_second"]
    missed = sum(feed["missed"].values())
    return [
        Row(
            "the feed's mix beside the bursts (the timeline benchmark's freshness mix)",
            f"{number(offered, ' deliveries/s')} offered, {sum(feed['posts'].values()):,} posts",
            f"{mix['load']:.0%} of {number(mix['capacity_deliveries_per_second'], '/s')} ({mix['capacity_from']})",
            "",
            "(the load the bursts are judged under)",
        ),
        Row(
            f"  its freshness meanwhile (visible to followers), n={v['count']:,}",
            f"p50 {number(v['p50_ms'], ' ms')} / p99 {number(v['p99_ms'], ' ms')}; pushed p99 "
            f"{number(pushed['p99_ms'], ' ms')}; not seen {missed}",
            target="(info; the timeline's target is p99 < 500 ms without the bursts)",
        ),
    ]


def build_rows(f: dict[str, Any]) -> list[Row]:
    mix, beside, alone = f["mix"], f["beside_mix"], f["alone"]
    rows = _feed_row(beside["feed"], mix)
    for kind in ("mentions", "likes"):
        rows += burst_rows(kind, beside[kind], "beside the mix", judged=True)
    for kind in ("mentions", "likes"):
        rows += burst_rows(kind, alone[kind], "alone", judged=False)
    shares = ", ".join(f"{k} {v:.0%}" for k, v in mix["shares"].items())
    rows.append(
        Row(
            "  the mix's shares of the deliveries",
            shares,
            f"graph's celebrity threshold {mix['celebrity_threshold_in_graph']:,}",
            target="(info)",
        )
    )
    return rows
