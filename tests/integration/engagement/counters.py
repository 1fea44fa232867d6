"""What the counters must converge to, read from the real stores: the recount of the rows (the truth), the
durable counters, the Redis sets, and what BatchGetPostStats serves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.common import redis_keys
from services.common.polling import wait_for
from tests.integration.engagement.conftest import Mesh

Triple = tuple[int, int, int]


@dataclass(frozen=True)
class Observed:
    recount: dict[int, Triple]
    durable: dict[int, Triple]  # post_counters alone: equal to the recount once nothing is pending
    pending: int  # unflushed changes of these posts
    served: dict[int, Triple]  # BatchGetPostStats
    cached: dict[int, Triple | None]  # the Redis sets' sizes (None: not cached)
    liker_rows: dict[int, set[int]]
    liker_sets: dict[int, set[int] | None]

    @property
    def converged(self) -> bool:
        return (
            self.pending == 0
            and self.durable == self.recount
            and self.served == self.recount
            and all(c is None or c == self.recount[p] for p, c in self.cached.items())
            and all(s is None or s == self.liker_rows[p] for p, s in self.liker_sets.items())
        )


async def observe(mesh: Mesh, pg: Any, redis: Any, post_ids: list[int]) -> Observed:
    rows = await pg.fetch(
        "SELECT p.post_id,"
        " (SELECT count(*) FROM engagement.likes l WHERE l.post_id = p.post_id AND NOT l.hidden) AS likes,"
        " (SELECT count(*) FROM engagement.comments c WHERE c.post_id = p.post_id AND NOT c.hidden) AS comments,"
        " (SELECT count(*) FROM engagement.shares s WHERE s.post_id = p.post_id AND NOT s.hidden) AS shares"
        " FROM unnest($1::bigint[]) AS p (post_id)",
        post_ids,
    )
    recount = {r["post_id"]: (r["likes"], r["comments"], r["shares"]) for r in rows}
    durable = {p: (0, 0, 0) for p in post_ids}
    for r in await pg.fetch(
        "SELECT post_id, likes, comments, shares FROM engagement.post_counters WHERE post_id = ANY($1)", post_ids
    ):
        durable[r["post_id"]] = (r["likes"], r["comments"], r["shares"])
    pending = await pg.fetchval("SELECT count(*) FROM engagement.counter_changes WHERE post_id = ANY($1)", post_ids)
    liker_rows: dict[int, set[int]] = {p: set() for p in post_ids}
    likes = "SELECT post_id, user_id FROM engagement.likes WHERE post_id = ANY($1) AND NOT hidden"
    for r in await pg.fetch(likes, post_ids):
        liker_rows[r["post_id"]].add(r["user_id"])
    served = {s.post_id: (s.like_count, s.comment_count, s.share_count) for s in await mesh.stats(0, post_ids)}
    cached: dict[int, Triple | None] = {}
    liker_sets: dict[int, set[int] | None] = {}
    sentinel = redis_keys.ENGAGEMENT_SENTINEL.encode()
    for p in post_ids:
        keys = [redis_keys.engagement_likers(p), redis_keys.engagement_comments(p), redis_keys.engagement_shares(p)]
        members = [redis.smembers(k) for k in keys]
        if all(sentinel in m for m in members):
            cached[p] = (len(members[0]) - 1, len(members[1]) - 1, len(members[2]) - 1)
            liker_sets[p] = {int(m) for m in members[0] if m != sentinel}
        else:
            cached[p] = liker_sets[p] = None
    return Observed(recount, durable, pending, served, cached, liker_rows, liker_sets)


async def converged(
    mesh: Mesh, pg: Any, redis: Any, post_ids: list[int], *, cached: bool = False, within: float = 15
) -> Observed:
    """Waits until every counter of these posts equals the recount of the rows (and, with `cached`, until Redis
    holds them all), and returns what it saw."""

    def done(seen: Observed) -> bool:
        return seen.converged and (not cached or all(c is not None for c in seen.cached.values()))

    return await wait_for(
        lambda: observe(mesh, pg, redis, post_ids),
        done,
        what="counters equal to the recount" + (", all cached" if cached else ""),
        within=within,
    )


def drop_cached(redis: Any, post_ids: list[int]) -> None:
    """What a Redis restart does to these posts: their keys are gone."""
    for p in post_ids:
        redis.delete(
            redis_keys.engagement_generation(p),
            redis_keys.engagement_likers(p),
            redis_keys.engagement_comments(p),
            redis_keys.engagement_shares(p),
        )
