"""The timeline service's settings, from FEEDMESH_* environment variables (see services.common.settings)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common import redis_keys
from services.common.redis_sentinel import RedisSentinelSettings
from services.common.settings import CassandraSettings, ServerSettings, SettingsError, env_name
from services.common.tombstone_retention import DEFAULT_POST_CACHE_MAX_AGE_SECONDS

CONSUMER_ROLES = ("posts", "graph", "fanout", "fanout-store", "none")


@dataclass(frozen=True, kw_only=True)
class TimelineSettings(RedisSentinelSettings, CassandraSettings, ServerSettings):
    service_name: str = "timeline"
    listen_address: str = "127.0.0.1:50054"
    metrics_port: int = 9104
    redis_url: str
    # The prefix of every timeline key in Redis (services.common.redis_keys, timeline section).
    redis_prefix: str = redis_keys.TIMELINE_PREFIX
    kafka_bootstrap: str
    auth_target: str = "127.0.0.1:50051"
    graph_target: str = "127.0.0.1:50052"
    post_target: str = "127.0.0.1:50053"
    # Empty: not deployed. Ranked feeds are then chronological (degraded=false); counts are zero.
    ranking_target: str = ""
    engagement_target: str = ""
    engagement_timeout_seconds: float = 0.3

    # Delivery. Who is a celebrity (pulled at read time instead of pushed) is the graph's to say, not a setting here.
    # Home timelines in Redis keep this many post ids (older ones are read through from Cassandra).
    home_timeline_max: int = 800
    # Cached author timelines (celebrities and other pulled authors) keep this many post ids.
    author_timeline_max: int = 800
    # Followers who have not read their feed for this long get no pushes; their next read rebuilds. Their home rows
    # in Cassandra are dropped too, by a sweep every `home_sweep_seconds` in the durable fanout's process
    # (app/home_sweep.py).
    inactive_days: float = 30.0
    home_sweep_seconds: float = 21_600.0
    # How many of an author's newest posts a follow (or a rebuild) copies into a home timeline.
    backfill_depth: int = 800
    fanout_chunk_size: int = 500
    # Audiences of at most this many followers are pushed by the post events consumer itself (FanoutPolicy).
    fanout_inline_max: int = 1_000
    # Posts are merged into their followers' reads from their note until they are pushed to every follower, or for
    # this long at most (RecentPosts.note_published, PostsInFlight.chunks_in_flight).
    fanout_in_flight_seconds: float = 120.0
    # Members of the post events group in this process. A member handles a polled batch before it polls again, so
    # one slow event (listing a large audience) holds back every post polled after it; with two, only those of the
    # partitions it reads.
    posts_workers: int = 2
    # Batches of post events a member may have handled as far as readers see them (pushes, tasks sent) while their
    # rest (the author's timeline in Cassandra, the tasks' acknowledgements) still runs; committed in order when
    # over (ConsumerRunner, pipelined). 0: each batch to its end before the next poll.
    posts_pipeline_depth: int = 4
    # Members of the hot fanout group (Redis) and of the durable one (Cassandra) in this process.
    fanout_workers: int = 2
    fanout_store_workers: int = 2
    # Cassandra requests the durable fanout keeps in flight (each an UNLOGGED batch of up to 100 rows).
    fanout_store_in_flight: int = 16
    # The durable group takes its tasks in large batches: a fetch waits up to `_wait_ms` for `_bytes` of them, and a
    # batch holds up to `_tasks`. Rows of one reader from several posts then go to Cassandra as one partition write,
    # and the durable writes come in fewer, larger doses that take less CPU from the hot path (bench/README.md).
    fanout_store_batch_wait_ms: int = 1000
    fanout_store_batch_bytes: int = 262_144
    fanout_store_batch_tasks: int = 1000

    # In-process caches of peer answers (app.peer_caches): entries, and how long an entry may be reused at most.
    followee_cache_size: int = 20_000
    followee_cache_max_age_seconds: float = 60.0
    post_cache_size: int = 200_000
    # A post is reused at most this long, then asked again: the post service keeps tombstones only a little longer
    # (services.common.tombstone_retention), so a copy never outlives its post's tombstone.
    post_cache_max_age_seconds: float = DEFAULT_POST_CACHE_MAX_AGE_SECONDS
    author_cache_size: int = 50_000
    author_profile_max_age_seconds: float = 60.0
    # How old a count shown on a feed page may be at most: the authors' follower and following counts and the posts'
    # engagement counts are reused for this long (0: asked for on every page). The reader's own follows, likes,
    # comments and shares show on its next read whatever the bound.
    counts_max_staleness_seconds: float = 2.0
    # Posts whose engagement counts this process keeps (app.post_stats_cache).
    post_stats_cache_size: int = 100_000
    # The write path's follower listings (by author, reused while the author's relationship version holds): at most
    # this many ids in all, 8 bytes each.
    follower_cache_ids: int = 2_000_000
    # Feed items kept serialized by the API (api.servicer.EncodedItems), about 1 KB each with the parts they hold.
    encoded_item_cache_size: int = 50_000

    # Ranking: the first window of candidates, and the strict deadline of ScorePosts.
    rank_candidates: int = 200
    rank_deadline_ms: int = 30
    rank_experiment: str = ""
    rank_session_seconds: float = 900.0
    # A viewer's ranked first page whose window is still the same posts reuses the order it was given for this
    # long (app.ranked_windows; 0: every ranked first page is scored), kept for this many viewers. Two minutes: a
    # refresh with nothing new keeps its order instead of reshuffling on counts that moved a little.
    rank_reuse_seconds: float = 120.0
    rank_reuse_viewers: int = 20_000
    # How old the counts a ranked window is scored with may be (the post-stats cache's, asked again past it).
    rank_counts_max_age_seconds: float = 30.0
    # Impressions (FeedImpression events): the fraction of served pages whose items are logged to the
    # topic, fire and forget; at most this many wait to be sent (more are dropped: a Kafka outage costs impressions,
    # never reads). A tenth: every logged page is twenty events through this process, Kafka and the lake, which at
    # 1.0 took half of the feed reads' throughput (bench/README.md); a tenth of real traffic is plenty to learn from.
    impression_sample: float = 0.1
    impressions_topic: str = "feedmesh.impressions"
    impressions_max_pending: int = 50_000
    # The next page's candidates are warmed into Redis for this long after a page is served (0: off).
    prefetch_seconds: float = 30.0

    # Kafka: topics, consumer groups (<prefix>-posts, <prefix>-graph, <prefix>-fanout, <prefix>-fanout-store), and
    # where a new group starts.
    posts_topic: str = "feedmesh.posts"
    graph_topic: str = "feedmesh.graph"
    fanout_topic: str = "feedmesh.fanout"
    # Tasks already pushed into Redis by the post events consumer (an audience of one task): only the durable group
    # reads them, so the hot group's members fetch only the work they have to do.
    fanout_durable_topic: str = "feedmesh.fanout.durable"
    consumer_group_prefix: str = "timeline"
    consumer_offset_reset: str = "earliest"
    # An event whose batch failed this many times in a row, that still fails on its own while other events pass, is
    # moved to the dead-letter topic (with where it came from and the error) so its partition can go on.
    dead_letter_topic: str = "feedmesh.dead-letters"
    poison_after_failures: int = 5
    # The consumer groups this process joins (posts, graph, fanout, fanout-store); `none`: a read-only replica. The
    # stack splits them over three processes (reads; posts, graph and fanout; fanout-store) so that neither the
    # consumers' client threads nor the durable writes' Python work share a GIL with the reads.
    consumer_roles: tuple[str, ...] = ("posts", "graph", "fanout", "fanout-store")
    # > 0: start() waits up to this long for every consumer to get its partitions (tests).
    consumer_ready_seconds: float = 0.0

    def validate(self) -> None:
        super().validate()
        positive = (
            "home_timeline_max",
            "author_timeline_max",
            "backfill_depth",
            "fanout_chunk_size",
            "fanout_in_flight_seconds",
            "posts_workers",
            "fanout_workers",
            "fanout_store_workers",
            "fanout_store_in_flight",
            "fanout_store_batch_wait_ms",
            "fanout_store_batch_bytes",
            "fanout_store_batch_tasks",
            "followee_cache_size",
            "post_cache_size",
            "post_cache_max_age_seconds",
            "home_sweep_seconds",
            "author_cache_size",
            "post_stats_cache_size",
            "follower_cache_ids",
            "encoded_item_cache_size",
            "rank_candidates",
            "rank_deadline_ms",
            "poison_after_failures",
        )
        for name in positive:
            if getattr(self, name) <= 0:
                raise SettingsError(f"{env_name(name)} must be > 0")
        if self.fanout_inline_max < 0:
            raise SettingsError(f"{env_name('fanout_inline_max')} must be >= 0")
        if self.counts_max_staleness_seconds < 0:
            raise SettingsError(f"{env_name('counts_max_staleness_seconds')} must be >= 0")
        if self.posts_pipeline_depth < 0:
            raise SettingsError(f"{env_name('posts_pipeline_depth')} must be >= 0")
        if self.inactive_days <= 0:
            raise SettingsError(f"{env_name('inactive_days')} must be > 0")
        if not 0 <= self.rank_reuse_seconds < self.rank_session_seconds:
            raise SettingsError(
                f"{env_name('rank_reuse_seconds')} must be >= 0 and below {env_name('rank_session_seconds')} (a "
                "reused first page continues in its ranking session)"
            )
        if self.rank_counts_max_age_seconds < 0:
            raise SettingsError(f"{env_name('rank_counts_max_age_seconds')} must be >= 0")
        if self.rank_reuse_viewers <= 0:
            raise SettingsError(f"{env_name('rank_reuse_viewers')} must be > 0")
        if not 0 <= self.impression_sample <= 1:
            raise SettingsError(f"{env_name('impression_sample')} must be between 0 and 1")
        if self.impressions_max_pending <= 0:
            raise SettingsError(f"{env_name('impressions_max_pending')} must be > 0")
        if self.rank_candidates > 1000:
            raise SettingsError(f"{env_name('rank_candidates')} must be <= 1000 (the ranking batch limit)")
        if self.fanout_chunk_size > 10_000:
            raise SettingsError(f"{env_name('fanout_chunk_size')} must be <= 10000")
        unknown = set(self.consumer_roles) - set(CONSUMER_ROLES)
        if unknown:
            raise SettingsError(
                f"{env_name('consumer_roles')}: unknown role(s) {sorted(unknown)}; known: {CONSUMER_ROLES}"
            )
        if self.consumer_offset_reset not in {"earliest", "latest"}:
            raise SettingsError(f"{env_name('consumer_offset_reset')} must be 'earliest' or 'latest'")
        self.check_cassandra()
