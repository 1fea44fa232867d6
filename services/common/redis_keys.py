"""Every key of feedmesh's shared Redis, by the service that owns it.

One Redis server serves every service; each keeps to its own prefix (`graph:`, `post:`, `eng:`, the timeline's
configurable `tl`). It runs `volatile-lru` (docs/retention.md): a full Redis evicts only keys with a TTL, so a key
that has no other copy has none, and everything that can be rebuilt has one. A service reads another's key only
where the owner publishes it, through the module that states the promise (services.common.relationship_version,
services.common.post_tombstones). Key names are data: running stacks hold them, so a rename here is a migration.

`{...}` is a hash tag: the keys of one user, author or post share a cluster slot, so one script may touch them all.
Some timeline scripts build keys from the prefix server-side (noted below): change them together with this module.
"""

from __future__ import annotations

from typing import NamedTuple

# --- graph (services/graph) ---------------------------------------------------------------------------------------


def graph_counts(user_id: int) -> str:
    """Hash f=<followers> g=<following>: the graph's read-through cache of a user's counts."""
    return f"graph:{{{user_id}}}:counts"


def graph_followers(user_id: int) -> str:
    """Sorted set (scores 0) of the user's follower ids zero-padded to 20 digits, plus one empty member that marks
    the set as cached: the graph's read-through cache for fanout listings."""
    return f"graph:{{{user_id}}}:followers"


def graph_followers_staged(user_id: int, token: str) -> str:
    """A follower set being built under a private name, renamed to `graph_followers` if no change came in."""
    return f"graph:{{{user_id}}}:followers:staged:{token}"


def graph_generation(user_id: int) -> str:
    """A unique token replaced by every invalidation of the user's cached relationships; published as the user's
    relationship version (services.common.relationship_version)."""
    return f"graph:{{{user_id}}}:gen"


def graph_profile(user_id: int) -> str:
    """The graph's cache of a user's profile from the auth service (serialized User)."""
    return f"graph:profile:{user_id}"


# --- post (services/post) -----------------------------------------------------------------------------------------

POST_TOMBSTONES = "post:tombstones:recent"
"""Sorted set of the posts deleted within the tombstone retention, scored by when each was marked, plus a sentinel,
published by the post service (services.common.post_tombstones). Rebuilt through `post:tombstones:recent:staged`."""

LEGACY_POST_TOMBSTONES = "post:tombstones"
"""The former set of every deleted post id, for ever: the post service deletes it at start (a reader of it then finds
no sentinel and asks the post service)."""


# --- engagement (services/engagement) -----------------------------------------------------------------------------
# A post's cached counts: three sets of member ids (likers' user ids, comment ids, share ids), each complete (every
# committed row of its kind, plus the sentinel member) or absent, and a change token. Private to the engagement
# service: other services ask it (BatchGetPostStats).

ENGAGEMENT_SENTINEL = "0"
"""The member that marks a set as complete (no user, comment or share has id 0)."""


def engagement_generation(post_id: int) -> str:
    """A random token replaced by every change applied to the post's sets; a rebuild publishes only if it still
    holds the token the rebuild read before its PostgreSQL snapshot."""
    return f"eng:{{{post_id}}}:gen"


def engagement_change_order(post_id: int) -> str:
    """Hash: per member (`<kind>:<member id>`) of the post's sets, the order of the last change applied to it, so a
    change that arrives after a later one of its row is not applied (a few minutes' TTL, refreshed by each)."""
    return f"eng:{{{post_id}}}:order"


def engagement_likers(post_id: int) -> str:
    """Set of the user ids that like the post, plus the sentinel: SCARD - 1 is the like count."""
    return f"eng:{{{post_id}}}:likes"


def engagement_comments(post_id: int) -> str:
    """Set of the post's comment ids, plus the sentinel."""
    return f"eng:{{{post_id}}}:comments"


def engagement_shares(post_id: int) -> str:
    """Set of the post's share ids, plus the sentinel."""
    return f"eng:{{{post_id}}}:shares"


def engagement_staged(post_id: int, name: str, token: str) -> str:
    """A rebuild's private copy of one of the post's sets (`name`: likes, comments, shares), renamed over it when
    published."""
    return f"eng:{{{post_id}}}:{name}:staged:{token}"


def engagement_user_version(user_id: int) -> str:
    """String: the user's engagement version, published by services.common.engagement_version (user's hash tag, so
    it sits in the slot of the timeline's keys of the reader)."""
    return f"eng:user:{{{user_id}}}:version"


# --- engagement anti-abuse (services/engagement: budgets, burst guard, shadow bans) ----------------------------------
# Per user, under `eng:user:` (the service's per-post keys are `eng:{<post>}:...`). Every key expires on its own: a
# budget window with its window, the rest after minutes.


def engagement_budget_window(user_id: int, action: str, period: str, index: int) -> str:
    """Counter of the user's attempts of `action` in the `index`-th minute or day since the epoch; expires with it."""
    return f"eng:user:{{{user_id}}}:budget:{action}:{period}:{index}"


def engagement_harder_limit(user_id: int) -> str:
    """Present while the burst guard limits the user harder (value: the signal that tripped it); expires then."""
    return f"eng:user:{{{user_id}}}:harder"


def engagement_like_flips(user_id: int, post_id: int) -> str:
    """Hash last=<like|unlike> count=<alternations> of the user's likes and unlikes of one post, for a minute."""
    return f"eng:user:{{{user_id}}}:flips:{post_id}"


def engagement_ban_state(user_id: int) -> str:
    """The user's cached shadow-ban state: never / active / lifted (services.engagement.domain.shadow_bans)."""
    return f"eng:user:{{{user_id}}}:ban"


# --- timeline (services/timeline; prefix FEEDMESH_REDIS_PREFIX) ----------------------------------------------------

TIMELINE_PREFIX = "tl"
"""The timeline's default prefix: timelines that share a Redis but not their caps (the tests') use their own."""

HOME = "h"
"""The id-stream kind of a reader's home timeline (the hash tag `{h:<reader>}`)."""

AUTHOR = "a"
"""The id-stream kind of an author's own timeline (the hash tag `{a:<author>}`)."""


class IdStreamKeys(NamedTuple):
    """The keys of one cached id stream (a home or author timeline) under its hash tag. The push script (timeline
    adapters/redis/lua/push_home.lua) builds the home ones from the prefix."""

    complete_from: str
    """`:lo`, a fixed-width id: the set holds every id at or above it that Cassandra holds. Its existence is the
    cache's existence."""
    ids: str
    """`:z`, sorted set of fixed-width ids (score 0, ordered by member: exact 64-bit order)."""
    fill_claim: str
    """`:fill`, the token of the build of a missing cache from Cassandra, while it runs."""
    fill_buffer: str
    """`:buf`, sorted set of the ids written while the cache is being built, merged in when the build commits."""


def id_stream(kind: str, owner: int, prefix: str = TIMELINE_PREFIX) -> IdStreamKeys:
    """The keys of `owner`'s cached stream of `kind` (HOME or AUTHOR)."""
    tag = f"{prefix}:{{{kind}:{owner}}}"
    return IdStreamKeys(f"{tag}:lo", f"{tag}:z", f"{tag}:fill", f"{tag}:buf")


def home_timeline(reader: int, prefix: str = TIMELINE_PREFIX) -> IdStreamKeys:
    """A reader's cached home timeline."""
    return id_stream(HOME, reader, prefix)


def author_timeline(author: int, prefix: str = TIMELINE_PREFIX) -> IdStreamKeys:
    """An author's cached timeline (their own posts)."""
    return id_stream(AUTHOR, author, prefix)


def recent_posts(author: int, prefix: str = TIMELINE_PREFIX) -> str:
    """Sorted set of the author's posts of the last minutes (member -> when noted, ms), read by a backfill with the
    author's timeline in Cassandra while their writes there may still be in flight."""
    return f"{prefix}:{{{AUTHOR}:{author}}}:recent"


class ReaderKeys(NamedTuple):
    """A reader's state, under its hash tag `{u:<reader>}`."""

    active: str
    """`:active`, when the reader last renewed its activity (s); expires after the inactivity period: no key, an
    inactive reader (fanout skips it)."""
    generation: str
    """`:gen`, counts the resets of the reader's sources (an inactive reader that comes back starts over)."""
    sources: str
    """`:src`, hash author -> floor: the authors materialized in the reader's home timeline, from which id down."""
    sources_version: str
    """`:srcv`, counts the changes to `sources`."""


def reader(reader_id: int, prefix: str = TIMELINE_PREFIX) -> ReaderKeys:
    tag = f"{prefix}:{{u:{reader_id}}}"
    return ReaderKeys(f"{tag}:active", f"{tag}:gen", f"{tag}:src", f"{tag}:srcv")


def reader_active(reader_id: int, prefix: str = TIMELINE_PREFIX) -> str:
    """`reader(reader_id).active`, alone (the activity checks ask about thousands of readers; the push script,
    timeline adapters/redis/lua/push_home.lua, builds it from the prefix)."""
    return f"{prefix}:{{u:{reader_id}}}:active"


def pull_only_authors(prefix: str = TIMELINE_PREFIX) -> str:
    """Set of the authors whose posts are not pushed (celebrities): readers pull them."""
    return f"{prefix}:pull_only"


def pull_only_version(prefix: str = TIMELINE_PREFIX) -> str:
    """Counts the changes to `pull_only_authors`."""
    return f"{prefix}:pull_only:v"


def home_fills(prefix: str = TIMELINE_PREFIX) -> str:
    """Sorted set reader -> when a build of its home timeline from Cassandra last began (ms), for the durable
    fanout's second push."""
    return f"{prefix}:fills"


def posts_in_flight(prefix: str = TIMELINE_PREFIX) -> str:
    """Sorted set of the posts noted and not yet pushed to every follower (member `author:post` -> when noted, ms),
    read by every feed read."""
    return f"{prefix}:in_flight"


def chunks_left(post_id: int, prefix: str = TIMELINE_PREFIX) -> str:
    """Set of what is left to push of a post in flight: `+` until the last follower listing page is out, and the
    fanout chunks not pushed yet, each named by its first reader. The in-flight scripts (timeline
    adapters/redis/lua/*_in_flight.lua) build it from the prefix."""
    return f"{prefix}:{{p:{post_id}}}:left"


def lock(name: str, prefix: str = TIMELINE_PREFIX) -> str:
    """A timeline lock (e.g. one home rebuild at a time per reader): exists while held."""
    return f"{prefix}:lock:{name}"


def id_list(name: str, prefix: str = TIMELINE_PREFIX) -> str:
    """A short-lived list of post ids with a tag (`tag|id,id,...`), e.g. the rest of a ranked feed session."""
    return f"{prefix}:ids:{name}"


# --- notification (services/notification) -------------------------------------------------------------------------
# A user's unread ids and read marker share the hash tag `{<user>}`: one script keeps them consistent.

NOTIFICATION_LIVE = "notif:live"
"""Pub/sub channel of every new notification (JSON), for the live streams of whichever process holds them."""


def notification_unread(user_id: int) -> str:
    """Sorted set (scores 0) of the user's unread notification ids zero-padded to 20 digits (ordered by member:
    exact 64-bit order), none at or below the read marker: the unread count is its size within the retention."""
    return f"notif:{{{user_id}}}:unread"


def notification_read_marker(user_id: int) -> str:
    """The user's read marker, a zero-padded id: that notification and every older one are read."""
    return f"notif:{{{user_id}}}:read"


def notification_pending(user_id: int) -> str:
    """Hash of the user's notifications that are visible but not yet in the durable store (Cassandra): field the
    notification id, value `kind:actor:post:comment`. Reads merge it with the store; the consumer deletes each field
    once its rows are written."""
    return f"notif:{{{user_id}}}:pending"


def notification_removed_sources(user_id: int) -> str:
    """Sorted set of the user's notification sources that were taken away (an unlike, an unfollow, a settled
    request): member the source (`like:<post>:<actor>`, ...), score its last removal time in ms. A mirror of the
    store's `notification_sources.removed_at`, for judging a notification before it is visible without a Cassandra
    read."""
    return f"notif:{{{user_id}}}:removed"


NOTIFICATION_TOMBSTONES = "notif:tombstones"
"""Sorted set of removed notification subjects (`post:<id>`, `comment:<id>`, `pair:<low>:<high>`), score the last
removal time in ms: a mirror of the store's `notification_tombstones`, for judging before visible."""


# --- ranking features (written by the offline feature job, read by services/ranking) ------------------------------
# Values are the floats of services.common.ranking_features, packed by its `pack`; every key has a TTL, so a
# feature job that stops running lets the features age out and ranking falls back to the candidates' own signals.


def ranking_affinity(viewer_id: int) -> str:
    """Hash author id -> packed AFFINITY features of (viewer, author)."""
    return f"rank:{{{viewer_id}}}:affinity"


def ranking_affinity_staging(viewer_id: int) -> str:
    """Hash: the feature job's next ranking_affinity(viewer), renamed over it once whole (same hash slot), so a
    reader never sees a half-written hash."""
    return f"rank:{{{viewer_id}}}:affinity:next"


def ranking_author(author_id: int) -> str:
    """String: packed AUTHOR features."""
    return f"rank:author:{author_id}"


def ranking_post(post_id: int) -> str:
    """String: packed POST features (engagement rates as of the feature run)."""
    return f"rank:post:{post_id}"


def ranking_training_lock(models_bucket: str) -> str:
    """String (redis-py lock): held by the offline chain's run in progress that publishes to `models_bucket`, so a
    `make train` and the scheduled run do not both train at once."""
    return f"rank:training:lock:{models_bucket}"


def ranking_features_run() -> str:
    """String: the id of the newest feature run written (its start time, ISO 8601)."""
    return "rank:features:run"
