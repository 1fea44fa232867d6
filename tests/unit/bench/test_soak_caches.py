"""The soak's cache table (bench/soak_caches.py through bench/soak_report.py): each process's caches at the start
and the end of a run and how full they ended, and runs from before the caches were read still reported."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from bench.soak_caches import cache_fill, cache_readings, fill_series, reading_key
from bench.soak_report import Sample, main, markdown, plot, summary


def _samples() -> list[Sample]:
    samples = []
    for m in range(5):
        caches = {
            "svc-timeline/timeline.posts": {"entries": 1000.0 * (m + 1), "weight": 1000.0 * (m + 1), "capacity": 200e3},
            "svc-timeline/timeline.followers": {"entries": 10.0, "weight": 800.0 + 50 * m, "capacity": 1000.0},
        }
        if m >= 2:  # its process answered Prometheus from minute 2 only
            caches["svc-engagement/engagement.visibility"] = {"entries": 3.0, "weight": 3.0, "capacity": 10.0}
        samples.append(
            Sample(
                minute=m,
                rss_mb={"svc-timeline": 150.0 + m},
                answers={"2xx": 10},
                seconds=60,
                backlogs={"lag": 1.0},
                caches=caches,
            )
        )
    return samples


def test_the_fill_of_each_cache_from_start_to_end() -> None:
    fill = cache_fill([s.caches for s in _samples()])
    posts = fill["svc-timeline/timeline.posts"]
    assert (posts["process"], posts["cache"]) == ("svc-timeline", "timeline.posts")
    assert (posts["start_entries"], posts["end_entries"], posts["capacity"]) == (1000, 5000, 200_000)
    assert posts["fill_at_end"] == 0.025
    followers = fill["svc-timeline/timeline.followers"]  # weighted entries: the capacity bounds the weight
    assert (followers["end_entries"], followers["end_weight"], followers["fill_at_end"]) == (10, 1000, 1.0)
    assert fill["svc-engagement/engagement.visibility"]["start_entries"] == 3


def test_the_table_in_the_report() -> None:
    text = markdown({"summary": summary(_samples())})
    assert "| process | cache | entries start -> end | max entries | weight at end / capacity | full at end |" in text
    assert "| svc-timeline | timeline.posts | 1,000 -> 5,000 | 5,000 | 5,000 / 200,000 | 2.5% |" in text
    assert "| svc-timeline | timeline.followers | 10 -> 10 | 10 | 1,000 / 1,000 | 100.0% |" in text
    assert text.index("engagement.visibility") < text.index("timeline.followers")  # by process, then cache


def test_a_target_label_names_the_process_as_its_pid_file_does() -> None:
    assert reading_key({"service": "timeline", "process": "timeline-ingest", "cache": "timeline.posts"}) == (
        "svc-timeline-ingest/timeline.posts"
    )
    assert (
        reading_key({"service": "engagement", "cache": "engagement.visibility"})
        == "svc-engagement/engagement.visibility"
    )


def test_the_plot_has_a_fill_panel(tmp_path: Path) -> None:
    samples = _samples()
    series = fill_series([s.minute for s in samples], [s.caches for s in samples])
    assert series["svc-engagement/engagement.visibility"] == ([2, 3, 4], [0.3, 0.3, 0.3])
    plot(samples, tmp_path / "soak.png", "a soak")
    assert (tmp_path / "soak.png").read_bytes()[:4] == b"\x89PNG"


def test_a_run_from_before_the_caches_were_read_is_still_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = [{k: v for k, v in vars(s).items() if k != "caches"} for s in _samples()]
    result = {
        "started": "20261207T224657Z",
        "offered_per_second": 20.0,
        "fraction": 0.5,
        "capacity_per_second": 40.0,
        "minutes": 5,
        "samples": old,
    }
    path = tmp_path / "soak-old.json"
    path.write_text(json.dumps(result))
    main([str(path)])
    assert "| process | cache |" not in capsys.readouterr().out
    assert json.loads(path.read_text())["summary"]["caches"] == {}


def test_readings_from_prometheus_answers() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        query = request.url.params["query"]
        if "capacity" in query:
            return httpx.Response(500)  # a missed query is a gap, not a failed sample
        value = "7" if "entries" in query else "9"
        labels = {"service": "timeline", "process": "timeline", "cache": "timeline.posts"}
        return httpx.Response(200, json={"data": {"result": [{"metric": labels, "value": [0, value]}]}})

    async def read() -> dict[str, dict[str, float]]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
            return await cache_readings(client, "http://prometheus")

    assert asyncio.run(read()) == {"svc-timeline/timeline.posts": {"entries": 7.0, "weight": 9.0}}
