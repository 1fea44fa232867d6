"""The figures as a table (printed, and in bench/results/latest.md) and as JSON (bench/results/timeline-<time>.json,
and latest.json), each figure next to its baseline, the ratio, the target and PASS/FAIL."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.stats import at_least, below, ratio, verdict

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Row:
    figure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    verdict: str = ""


def number(x: float, unit: str = "", digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.{digits}f}{unit}"


def ratio_text(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.3f}"


def build_rows(f: dict[str, Any]) -> list[Row]:
    b = f["baselines"]
    zadd = b["redis"]["zadd_per_second"]
    zrev = b["redis"]["zrevrange_per_second"]
    unary = b["trivial_grpc"]
    rows: list[Row] = []
    for burst in f["fanout"]:
        rounds = len(burst.get("redis_per_second_rounds", ()))
        label = f"{burst['author']} author, {burst['posts']} posts = {burst['deliveries']:,} deliveries"
        if rounds > 1:
            label += f", median of {rounds} bursts"
        r = ratio(burst["redis_per_second"], zadd)
        main = burst["author"] == "10k"
        rows.append(
            Row(
                f"fanout into Redis/s ({label})",
                number(burst["redis_per_second"], "/s"),
                f"ZADD {number(zadd, '/s')}",
                ratio_text(r),
                ">= 0.50 x ZADD" if main else "(info)",
                verdict(at_least(r, 0.5)) if main else "",
            )
        )
        if main and rounds > 1:
            rows.append(
                Row(
                    "the same ratio burst by burst (ZADD: median of its runs)",
                    ", ".join(ratio_text(ratio(x, zadd)) for x in burst["redis_per_second_rounds"]),
                    "ZADD runs " + ", ".join(number(x, "/s") for x in b["redis"].get("zadd_rounds", ())),
                    "",
                    "(info)",
                )
            )
        rows.append(
            Row(
                f"fanout into Cassandra/s ({label})",
                number(burst["cassandra_per_second"], "/s"),
                f"ZADD {number(zadd, '/s')}",
                ratio_text(ratio(burst["cassandra_per_second"], zadd)),
                "(info: no Cassandra baseline asked)",
            )
        )
    if "mix_capacity" in f:
        cap = f["mix_capacity"]
        rows.append(
            Row(
                f"capacity of the freshness mix ({cap['posts']:,} posts, {cap['deliveries']:,} deliveries, "
                "in Redis and Cassandra)",
                f"{number(cap['deliveries_per_second'], '/s')} ({number(cap['posts_per_second'], ' posts/s', 1)})",
                "",
                "",
                "(info: the freshness load is a fraction of it)",
            )
        )
    rows += _freshness_rows(f["freshness"], target=True)
    if "freshness_light" in f:
        rows += _freshness_rows(f["freshness_light"], target=False)
    reads = f["feed_reads"]
    rr = ratio(reads["per_second"], unary["per_second"])
    rows.append(
        Row(
            "feed reads/s (GetFeed, chronological, 20 per page)",
            number(reads["per_second"], "/s"),
            f"trivial unary {number(unary['per_second'], '/s')}",
            ratio_text(rr),
            ">= 0.30 x unary",
            verdict(at_least(rr, 0.3)),
        )
    )
    if reads.get("rounds"):
        rows.append(rounds_row("reads and unary", reads["rounds"]))
    rows.append(
        Row(
            "  feed reads/s vs Redis ZREVRANGE 0 19",
            number(reads["per_second"], "/s"),
            f"ZREVRANGE {number(zrev, '/s')}",
            ratio_text(ratio(reads["per_second"], zrev)),
            "(info)",
        )
    )
    for q in ("p50", "p99"):
        rows.append(
            Row(
                f"feed read latency {q}",
                number(reads["latency"][f"{q}_ms"], " ms", 2),
                f"trivial unary {number(unary['latency'][f'{q}_ms'], ' ms', 2)}",
                ratio_text(ratio(reads["latency"][f"{q}_ms"], unary["latency"][f"{q}_ms"])),
                "(info)",
            )
        )
    if reads.get("cpu_percent_of_a_core"):
        rows.append(cpu_row(reads["cpu_percent_of_a_core"]))
    normal, celeb = f["celebrity_cost"]["normal"], f["celebrity_cost"]["celebrity"]
    rows.append(
        Row(
            f"writes for one post: {normal['author']} author ({normal['followers']:,} followers, pushed)",
            f"{normal['writes_total']:,} (Redis {normal['redis_writes']:,}, Cassandra {normal['cassandra_writes']:,})",
        )
    )
    rows.append(
        Row(
            f"writes for one post: {celeb['author']} celebrity ({celeb['followers']:,} followers, pulled)",
            f"{celeb['writes_total']:,} (Redis {celeb['redis_writes']:,}, Cassandra {celeb['cassandra_writes']:,})",
            f"normal post {normal['writes_total']:,}",
            ratio_text(ratio(celeb["writes_total"], normal["writes_total"])),
            "(info)",
        )
    )
    return rows


def rounds_row(alternating: str, rounds: list[dict[str, Any]]) -> Row:
    """The ratio of each round, for a figure measured in rounds alternating with its baseline."""
    label = f"  the same ratio round by round ({alternating} alternating)"
    return Row(label, ", ".join(ratio_text(r["ratio"]) for r in rounds), target="(info)")


def table(rows: list[Row]) -> str:
    head = Row("figure", "value", "baseline", "ratio", "target", "verdict")
    cols = list(
        zip(*[(r.figure, r.value, r.baseline, r.ratio, r.target, r.verdict) for r in [head, *rows]], strict=True)
    )
    widths = [max(len(c) for c in col) for col in cols]
    lines = []
    for n, r in enumerate([head, *rows]):
        cells = (r.figure, r.value, r.baseline, r.ratio, r.target, r.verdict)
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(rows: list[Row], figures: dict[str, Any], title: str = "Timeline benchmark") -> str:
    m = figures["machine"]
    s = figures["settings"]
    out = [
        f"# {title}, {figures['started_at']}",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu_model']}), {m['memory_gib']} GiB, Python {m['python']}, "
        f"grpcio {m['grpcio']}. Everything on 127.0.0.1, the whole stack on this machine.",
        "",
        "| figure | value | baseline | ratio | target | verdict |",
        "|---|---|---|---|---|---|",
    ]
    out += [f"| {r.figure.strip()} | {r.value} | {r.baseline} | {r.ratio} | {r.target} | {r.verdict} |" for r in rows]
    out += ["", "## Settings", "", "```", json.dumps(s, indent=2), "```", "", "## How measured", ""]
    out += [f"- {line}" for line in figures["method"]]
    out += ["", f"Full figures: `{figures['json_file']}`.", ""]
    if figures.get("plots"):  # beside latest.md, in bench/results
        out += [" ".join(f"![{Path(plot).stem}]({Path(plot).name})" for plot in figures["plots"]), ""]
    return "\n".join(out)


def write(figures: dict[str, Any], stamp: str) -> tuple[Path, Path]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    json_path = RESULTS / f"timeline-{stamp}.json"
    figures["json_file"] = f"bench/results/{json_path.name}"
    text = json.dumps(figures, indent=2, default=str)
    json_path.write_text(text + "\n")
    (RESULTS / "latest.json").write_text(text + "\n")
    md = RESULTS / "latest.md"
    md.write_text(markdown(build_rows(figures), figures))
    return json_path, md


def _freshness_rows(fr: dict[str, Any], *, target: bool) -> list[Row]:
    """The freshness rows of one load level; only the level the target is judged at gets verdicts."""
    st = fr["settings"]
    posts_per_second = st["reed_rate"] + 1 / st["every_1k"] + 1 / st["every_10k"]
    load = f"{fr.get('load', 0):.0%} load: {number(st['offered_deliveries_per_second'], '')} deliveries/s, "
    load += f"{posts_per_second:,.0f} posts/s"
    goal, judge = ("p99 < 500 ms", True) if target else ("(info)", False)

    def line(label: str, s: dict[str, Any], check: bool, note: str = "(cross-check)") -> Row:
        value = " / ".join(f"{q} {number(s[f'{q}_ms'], ' ms', 1)}" for q in ("p50", "p95", "p99"))
        if check:
            return Row(label, value, "", "", goal, verdict(below(s["p99_ms"], 500.0)))
        return Row(label, value, "", "", goal if not judge else note)

    # Results from before the in-flight registry have the Redis home figure only: it was the judged one.
    if "visible_all" in fr:
        visible, by_author, where = fr["visible_all"], fr["visible_by_author"], "visible: Redis home or in flight"
    else:
        visible, by_author, where = fr["redis_all"], fr["redis_by_author"], "Redis home"
    rows = [line(f"freshness, normal authors ({load}) ({where}), n={visible['count']}", visible, judge)]
    for cls, s in by_author.items():
        rows.append(line(f"  freshness {cls} authors ({where}), n={s['count']}", s, judge))
    for cls, g in fr["getfeed_by_author"].items():
        rows.append(line(f"  freshness {cls} authors seen through GetFeed, n={g['count']}", g, False))
    if "visible_all" in fr:
        for cls, s in fr["redis_by_author"].items():
            label = f"  pushed into the Redis home timeline, {cls} authors, n={s['count']}"
            rows.append(line(label, s, False, "(info)"))
    for stage, label in (
        ("commit_to_kafka", "commit -> Kafka"),
        ("publish_to_pushed", "publish -> pushed, per push of up to 500 followers"),
    ):
        figures = fr.get("stages", {}).get(stage)
        if figures and figures["count"]:
            value = (
                f"p50 <= {number(figures['p50_ms_at_most'], ' ms')} / p99 <= {number(figures['p99_ms_at_most'], ' ms')}"
            )
            rows.append(Row(f"  stage {label} (server histograms), n={figures['count']:,.0f}", value, "", "", "(info)"))
    if fr.get("cpu_percent_of_a_core"):
        rows.append(cpu_row(fr["cpu_percent_of_a_core"]))
    return rows


def cpu_row(cpu: dict[str, float], top: int = 8) -> Row:
    """Which processes the phase's CPU went to, in percent of one core (200 = both cores busy)."""
    shown = ", ".join(f"{name} {p:.0f}" for name, p in list(cpu.items())[:top])
    return Row("  CPU during it, % of one core by process", f"total {sum(cpu.values()):.0f}: {shown}", "", "", "(info)")
