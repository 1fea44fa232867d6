# Redis 7 (apt redis-server): append-only file under .run/redis so data survives down/up.
# noeviction: the timeline keeps state next to its caches (a home timeline is a sorted set plus its `lo` key, and
# the pull-only author set has no other copy), and evicting one key of a pair would serve wrong feeds without an
# error. A full Redis refuses writes instead (fanout retries, reads go on); size maxmemory for the active readers
# (a full 800-id home timeline takes 92,208 bytes: MEMORY USAGE on this stack).
start_redis() {
    mkdir -p "$RUN/redis"
    spawn redis redis-server --bind 127.0.0.1 --port "$FEEDMESH_REDIS_PORT" --dir "$RUN/redis" \
        --appendonly yes --appendfsync everysec --save '' --daemonize no --protected-mode yes \
        --maxmemory 2gb --maxmemory-policy noeviction
}
STOP_SIGNAL_redis=TERM
