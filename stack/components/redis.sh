# Redis 7 (apt redis-server): append-only file under .run/redis so data survives down/up.
start_redis() {
    mkdir -p "$RUN/redis"
    spawn redis redis-server --bind 127.0.0.1 --port "$FEEDMESH_REDIS_PORT" --dir "$RUN/redis" \
        --appendonly yes --appendfsync everysec --save '' --daemonize no --protected-mode yes \
        --maxmemory 256mb --maxmemory-policy allkeys-lru
}
STOP_SIGNAL_redis=TERM
