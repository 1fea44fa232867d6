# Redis 7 (apt redis-server): append-only file under .run/redis so data survives down/up.
# noeviction: the timeline keeps state next to its caches (a home timeline is a sorted set plus its `lo` key, and
# the pull-only author set has no other copy), and evicting one key of a pair would serve wrong feeds without an
# error. A full Redis refuses writes instead (fanout retries, reads go on); size maxmemory for the active readers
# (a full 800-id home timeline takes 92,208 bytes: MEMORY USAGE on this stack).
# The AOF is rewritten when it grew to 5x its last rewrite and past 1 GiB (Redis: 2x and 64 MiB): a rewrite forks
# and the child spends seconds of a core writing the whole dataset, and every push appends a ZADD, so at the defaults
# rewrites come every few minutes under load and hold up the posts in flight. The price: a larger file on disk and a
# longer replay at start.
start_redis() {
    mkdir -p "$RUN/redis"
    spawn redis redis-server --bind 127.0.0.1 --port "$FEEDMESH_REDIS_PORT" --dir "$RUN/redis" \
        --appendonly yes --appendfsync everysec --save '' --daemonize no --protected-mode yes \
        --auto-aof-rewrite-percentage 400 --auto-aof-rewrite-min-size 1gb \
        --maxmemory 2gb --maxmemory-policy noeviction
}
STOP_SIGNAL_redis=TERM
