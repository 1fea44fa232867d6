"""Fanout tasks on Kafka: the posts of one author for the same chunk of followers travel in one task, and a task
reads back as the chunks it was made of."""

from __future__ import annotations

from services.timeline.adapters.fanout_queue import pack_tasks, task_event
from services.timeline.adapters.inbound_events import unpack_task
from services.timeline.app.ports import FanoutChunk


def _roundtrip(chunks: list[FanoutChunk]) -> list[FanoutChunk]:
    return [c for task in pack_tasks(chunks) for c in unpack_task(task_event(task, "e").fanout_task)]


def test_a_burst_is_one_task_per_chunk_of_followers() -> None:
    burst = [FanoutChunk(post, 9, post * 1_000, readers) for post in (10, 11, 12) for readers in ([1, 2], [3])]
    tasks = pack_tasks(burst)
    assert [[(c.post_id, c.follower_ids) for c in t] for t in tasks] == [
        [(10, [1, 2]), (11, [1, 2]), (12, [1, 2])],
        [(10, [3]), (11, [3]), (12, [3])],
    ]
    assert sorted(_roundtrip(burst), key=lambda c: (c.follower_ids, c.post_id)) == sorted(
        burst, key=lambda c: (c.follower_ids, c.post_id)
    )


def test_authors_followers_and_the_cache_flag_keep_tasks_apart() -> None:
    chunks = [
        FanoutChunk(10, 9, 1, [1, 2]),
        FanoutChunk(11, 8, 2, [1, 2]),  # another author
        FanoutChunk(12, 9, 3, [1, 2], cache_written=True),  # already in Redis: the durable topic only
        FanoutChunk(13, 9, 4, [1, 3]),  # other followers
        FanoutChunk(14, 9, 5, [1, 2]),
    ]
    assert [[c.post_id for c in t] for t in pack_tasks(chunks)] == [[10, 14], [11], [12], [13]]
    assert sorted(_roundtrip(chunks), key=lambda c: c.post_id) == chunks


def test_a_task_holds_at_most_max_posts() -> None:
    chunks = [FanoutChunk(post, 9, 0, [1]) for post in range(130)]
    assert [len(t) for t in pack_tasks(chunks, max_posts=64)] == [64, 64, 2]
