"""The timeline's monitoring numbers (prometheus_client, served on the metrics port): feed latency, cache hit rate,
fanout throughput, freshness, ranking fallbacks; its consumers' lag (the fanout backlog), batch times and dead
letters are the consumer runtime's (services.common.kafka_consumer.metrics). Those labelled on a hot path are
`Children` (services.common.metric_children)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from services.common.metric_children import Children

_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5)
# Fine around the 500 ms freshness target, so the benchmark can read the stages' percentiles off the buckets.
_FRESHNESS_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60, 300)

FEED_LATENCY = Children(
    Histogram("feedmesh_timeline_feed_latency_seconds", "GetFeed latency", ["mode"], buckets=_LATENCY_BUCKETS)
)
HOME_READS = Children(
    Counter(
        "feedmesh_timeline_home_reads_total",
        "Home-timeline reads by where they were answered: redis (cache hit) or cassandra (miss or past the cap)",
        ["source"],
    )
)
AUTHOR_READS = Children(
    Counter(
        "feedmesh_timeline_author_reads_total",
        "Pulled author-timeline reads by where they were answered: redis or cassandra",
        ["source"],
    )
)
PULLED_AUTHORS = Histogram(
    "feedmesh_timeline_pulled_authors", "Authors merged by pull per feed read", buckets=(0, 1, 2, 5, 10, 50, 200)
)
POSTS_IN_FLIGHT = Gauge(
    "feedmesh_timeline_posts_in_flight",
    "Posts noted and not yet pushed to every follower, as the last feed read saw them (at most 256): a few at a "
    "healthy load, growing when the fanout falls behind",
)
FANOUT_DELIVERIES = Children(
    Counter("feedmesh_timeline_fanout_deliveries_total", "Post ids written into home timelines", ["store"])
)
FANOUT_SKIPPED_INACTIVE = Counter(
    "feedmesh_timeline_fanout_skipped_inactive_total", "Deliveries skipped because the follower is inactive"
)
FANOUT_TASKS = Children(Counter("feedmesh_timeline_fanout_tasks_total", "Fanout tasks", ["stage"]))
POST_EVENT_STAGES = Children(
    Histogram(
        "feedmesh_timeline_post_event_stage_seconds",
        "From the start of a post.published event's handling to the end of each of its stages: authored (the "
        "author's timeline in Cassandra), listed (the followers' first page), pushed (into the Redis home timelines, "
        "an audience of one task), enqueued (every fanout task acknowledged by Kafka)",
        ["stage"],
        buckets=_FRESHNESS_BUCKETS,
    )
)
FRESHNESS = Children(
    Histogram(
        "feedmesh_timeline_freshness_seconds",
        "From publish (post create time) to written into a home timeline",
        ["path"],
        buckets=_FRESHNESS_BUCKETS,
    )
)
RANKING_FALLBACKS = Counter(
    "feedmesh_timeline_ranking_fallbacks_total", "Ranked reads served chronologically", ["reason"]
)
RANKED_WINDOWS = Children(
    Counter(
        "feedmesh_timeline_ranked_windows_total",
        "Ranked first pages by how their window was ordered: scored (ScorePosts) or reused (app.ranked_windows)",
        ["source"],
    )
)
RANKING_LATENCY = Histogram(
    "feedmesh_timeline_ranking_latency_seconds", "ScorePosts latency seen by the timeline", buckets=_LATENCY_BUCKETS
)
IMPRESSIONS = Children(
    Counter(
        "feedmesh_timeline_impressions_total",
        "Feed impressions of sampled pages: sent to Kafka, failed (Kafka did not take the batch) or dropped (queue "
        "full, or still queued at shutdown)",
        ["outcome"],
    )
)
REBUILDS = Counter("feedmesh_timeline_rebuilds_total", "Home-timeline rebuilds and backfills", ["kind"])
PREFETCH = Children(Counter("feedmesh_timeline_prefetch_total", "Next-page warm-ups", ["outcome"]))
EVENTS = Children(Counter("feedmesh_timeline_events_total", "Events consumed", ["kind"]))
LOCAL_CACHE = Children(
    Counter(
        "feedmesh_timeline_local_cache_total",
        "In-process caches of peer answers: hit, miss, or unknown (tombstones unavailable: the post service decides)",
        ["cache", "result"],
    )
)
