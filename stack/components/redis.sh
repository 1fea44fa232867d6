# Redis 7 (apt redis-server): append-only file under .run/redis so data survives down/up.
# volatile-lru: a full Redis evicts the least recently used keys that have a TTL, and never a key without one
# (docs/retention.md). Everything with a TTL can be rebuilt or lost without a wrong answer: home and author
# timelines (rebuilt from Cassandra; a `:lo` whose set was evicted counts as no cache), the graph's, engagement's and
# ranking's caches, versions whose absence means "unknown", locks and budget windows. What has no copy elsewhere
# has no TTL and stays: notification read markers and unread sets, the pull-only authors, the readers' sources,
# the post tombstones. So writes go on when memory is full (noeviction failed them) and caches of idle readers go
# first. maxmemory-samples 10 (Redis: 5) makes the approximated LRU closer to true LRU at a little CPU per eviction.
# The AOF is rewritten when it grew to 5x its last rewrite and past 1 GiB (Redis: 2x and 64 MiB): a rewrite forks
# and the child spends seconds of a core writing the whole dataset, and every push appends a ZADD, so at the defaults
# rewrites come every few minutes under load and hold up the posts in flight. The price: a larger file on disk and a
# longer replay at start.
# (the cluster topology's replica, stack/components/cluster.sh, runs with the same settings)
REDIS_ARGS=(--bind 127.0.0.1 --appendonly yes --appendfsync everysec --save '' --daemonize no --protected-mode yes
    --auto-aof-rewrite-percentage 400 --auto-aof-rewrite-min-size 1gb
    --maxmemory 2gb --maxmemory-policy volatile-lru --maxmemory-samples 10)
start_redis() {
    local primary extra=()
    # In the cluster topology a first node that comes back after the sentinels promoted its replica starts as a
    # replica of the new primary, not as a second primary taking writes until the sentinels notice it.
    if [[ $TOPOLOGY == cluster ]] && primary=$("$PY" -m stack.sentinel_primary 2>/dev/null) &&
        [[ $primary != "127.0.0.1 $FEEDMESH_REDIS_PORT" ]]; then
        # shellcheck disable=SC2206  # "host port"
        extra=(--replicaof $primary)
    fi
    mkdir -p "$RUN/redis"
    spawn redis redis-server --port "$FEEDMESH_REDIS_PORT" --dir "$RUN/redis" "${REDIS_ARGS[@]}" "${extra[@]}"
}
STOP_SIGNAL_redis=TERM
