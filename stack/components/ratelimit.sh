# envoyproxy/ratelimit (Apache-2.0), the cluster topology's global rate limit service: built from the Go module proxy
# (provision.sh), limits in conf/ratelimit.yaml (rendered from the gateway's FEEDMESH_RATE_* budgets), counters in
# Redis, whose primary it finds through the sentinels.
start_ratelimit() {
    local dir="$RUN/ratelimit"
    mkdir -p "$dir/ratelimit/config"
    render "$STACK_DIR/conf/ratelimit.yaml" "$dir/ratelimit/config/feedmesh.yaml"
    # it panics when its first connection meets a primary still loading its data: start it once the primary answers
    "$PY" -m stack.sentinel_primary --ready 120 >/dev/null || die "ratelimit: no Redis primary answered within 120 s"
    spawn ratelimit env USE_STATSD=false LOG_LEVEL=warn LOG_FORMAT=json \
        RUNTIME_ROOT="$dir" RUNTIME_SUBDIRECTORY=ratelimit RUNTIME_WATCH_ROOT=false RUNTIME_IGNOREDOTFILES=true \
        HOST=127.0.0.1 PORT="$FEEDMESH_RATELIMIT_PORT" GRPC_HOST=127.0.0.1 GRPC_PORT="$FEEDMESH_RATELIMIT_GRPC_PORT" \
        DEBUG_HOST=127.0.0.1 DEBUG_PORT="$FEEDMESH_RATELIMIT_DEBUG_PORT" \
        REDIS_SOCKET_TYPE=tcp REDIS_TYPE=sentinel \
        REDIS_URL="$FEEDMESH_REDIS_SENTINEL_MASTER,$FEEDMESH_REDIS_SENTINELS" \
        "$RATELIMIT"
}
# It keeps nothing of its own (the counters are in Redis) and did not exit on SIGTERM within 90 s here: killed.
STOP_SIGNAL_ratelimit=KILL
