"""Features for a batch of candidates: from an in-process TTL cache, and what it misses from the feature store in
one round trip. The feature job rewrites Redis a few times an hour at most, so a feature a minute old is as good as
a fresh one, and a viewer's next pages and the authors every viewer sees are served without Redis. When the job has
written a new run (its id, checked on a timer), what is kept is dropped: a model trained with the new features does
not score with the old ones for a minute."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.common.local_cache import LruCache
from services.common.ranking_features import AFFINITY, AUTHOR, POST
from services.ranking.app.metrics import FALLBACKS, FEATURE_CACHE
from services.ranking.app.ports import FeatureStore, FeaturesUnavailable

# Cache keys: ("a", viewer, author), ("u", author), ("p", post).
Key = tuple[str, int] | tuple[str, int, int]
# The cache's gauges' label (services.common.local_cache_gauges): a new run's cache takes over the series.
CACHE_NAME = "ranking.features"


@dataclass(frozen=True)
class CandidateFeatures:
    """The stored groups of each candidate, in candidate order."""

    affinity: list[list[float]]
    author: list[list[float]]
    post: list[list[float]]


class CachedFeatures:
    def __init__(self, store: FeatureStore, *, size: int, max_age_seconds: float):
        self.store = store
        self.size, self.max_age_seconds = size, max_age_seconds
        self.cache: LruCache[Key, list[float]] = LruCache(size, max_age_seconds, name=CACHE_NAME)
        self.run: str | None = None
        self.zeros = {"a": [0.0] * len(AFFINITY), "u": [0.0] * len(AUTHOR), "p": [0.0] * len(POST)}

    async def follow_runs(self) -> None:
        """Drops the kept features once the feature job has written a new run (a store failure changes nothing)."""
        try:
            run = await self.store.features_run()
        except FeaturesUnavailable:
            return
        if run != self.run:
            self.cache = LruCache(self.size, self.max_age_seconds, name=CACHE_NAME)
            self.run = run

    async def for_candidates(self, viewer: int, authors: Sequence[int], posts: Sequence[int]) -> CandidateFeatures:
        """`authors[i]` wrote `posts[i]`. A feature store failure gives zeros (the features of someone with no
        history), counted as a fallback: ranking on the candidates' own signals beats not ranking."""
        unique_authors = list(dict.fromkeys(authors))
        keys: list[Key] = [("a", viewer, a) for a in unique_authors]
        keys += [("u", a) for a in unique_authors]
        keys += [("p", p) for p in dict.fromkeys(posts)]
        found, missing = self.cache.get_many(keys)
        FEATURE_CACHE.labels("hit").inc(len(found))
        if missing:
            FEATURE_CACHE.labels("miss").inc(len(missing))
            found.update(await self._read(viewer, missing))
        return CandidateFeatures(
            affinity=[found[("a", viewer, a)] for a in authors],
            author=[found[("u", a)] for a in authors],
            post=[found[("p", p)] for p in posts],
        )

    async def _read(self, viewer: int, missing: list[Key]) -> dict[Key, list[float]]:
        # Every key ends with the author or post it is about.
        affinity_authors = [k[-1] for k in missing if k[0] == "a"]
        authors = [k[-1] for k in missing if k[0] == "u"]
        posts = [k[-1] for k in missing if k[0] == "p"]
        try:
            stored = await self.store.fetch(viewer, affinity_authors, authors, posts)
        except FeaturesUnavailable:
            FALLBACKS.labels("features_unavailable").inc()
            return {k: self.zeros[k[0]] for k in missing}  # not cached: the next request tries Redis again
        read: dict[Key, list[float]] = {}
        for a in affinity_authors:
            read[("a", viewer, a)] = stored.affinity.get(a, self.zeros["a"])
        for a in authors:
            read[("u", a)] = stored.author.get(a, self.zeros["u"])
        for p in posts:
            read[("p", p)] = stored.post.get(p, self.zeros["p"])
        for key, value in read.items():
            self.cache.put(key, value)
        return read
