"""The ranking service's monitoring numbers (prometheus_client, on the metrics port): scoring latency (read its p95
off the buckets), the feature cache's hits and misses (hit ratio = hit / (hit + miss)), fallbacks by cause, the model
in use. Those labelled on every request are `Children` (services.common.metric_children)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from services.common.metric_children import Children

# Fine below the timeline's 30 ms budget.
_SCORE_BUCKETS = (0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 1.0)

SCORE_LATENCY = Histogram(
    "feedmesh_ranking_score_seconds", "ScorePosts time in the service, features and model", buckets=_SCORE_BUCKETS
)
SCORED_CANDIDATES = Histogram(
    "feedmesh_ranking_candidates", "Candidates per ScorePosts", buckets=(1, 20, 50, 100, 200, 500, 1000)
)
FEATURE_CACHE = Children(
    Counter(
        "feedmesh_ranking_feature_cache_total",
        "Feature groups looked up in the in-process cache: hit, or miss (read from Redis)",
        ["result"],
    )
)
FALLBACKS = Children(
    Counter(
        "feedmesh_ranking_fallbacks_total",
        "Requests not scored as asked, by cause: no_model (none published yet: heuristic), model_unavailable (an "
        "arm's version not loaded: heuristic), model_error (predict failed: heuristic), features_unavailable (Redis "
        "failed: zeros for its features), deadline (no answer within the caller's budget)",
        ["cause"],
    )
)
MODEL_INFO = Gauge(
    "feedmesh_ranking_model_info",
    "1 for the newest model in use (version heuristic before any is loaded), 0 for those it replaced",
    ["version"],
)
MODEL_LOADS = Children(
    Counter("feedmesh_ranking_model_loads_total", "Model loads: loaded, refused, failed", ["outcome"])
)
EXPERIMENT_RELOADS = Children(
    Counter("feedmesh_ranking_experiment_reloads_total", "Experiments file reloads: loaded or invalid", ["outcome"])
)
